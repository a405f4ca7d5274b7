/** The page's entry: reads where to connect and the token from the URL, then mounts the app. */
import { render } from "solid-js/web";
import { pageAddress } from "./transport/page-address.js";
import { App } from "./ui/app.jsx";
import { createViewStore } from "./ui/view-store.js";
import "./ui/styles.css";

const root = document.getElementById("root")!;
const address = pageAddress(window.location);
if (!address.token) {
  root.textContent = "No token in this page's address: open the URL escapement printed (it ends in #token=...).";
} else {
  const store = createViewStore({
    wsUrl: address.wsUrl,
    token: address.token,
    createSocket: (url) => new WebSocket(url),
    timers: { setTimeout: (fn, ms) => window.setTimeout(fn, ms), clearTimeout: (h) => window.clearTimeout(h as number), now: () => Date.now() },
    clientVersion: "0.1.0",
    beforePaint: (publish) => window.requestAnimationFrame(publish),
  });
  render(() => <App store={store} now={() => Date.now()} />, root);
}
