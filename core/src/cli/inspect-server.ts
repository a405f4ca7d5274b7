/**
 * `escapement run … --inspect`: the run's actors in the Stately inspector. `@statelyai/inspect`'s
 * `createInspector` turns xstate's inspection events into the inspector's protocol; this module
 * serves them on a local address to a page that embeds the inspector's UI and hands each event to
 * it (`postMessage`), as the package's own Node server does. It is a server of its own because
 * that one listens on every network interface, cannot report a busy port, and keeps the process
 * alive while a page is open; this one listens where `--inspect` says (127.0.0.1 by default), asks
 * for a token, and ends its connections when the run ends.
 *
 * The page loads the inspector UI from `inspectorUi`: the browser needs to reach it (internet
 * access); the run and this server do not.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import type { InspectionEvent } from "xstate";
import type { ListenAddress } from "./listen-address.js";

/** Where the page loads the inspector's UI from. */
export const inspectorUi = "https://stately.ai/inspect";

/** Events kept for a page that opens late (the run's start, a short run). */
const maxBuffered = 1000;

export interface InspectServer {
  /** The page to open: the token in its fragment. */
  url: string;
  /** The xstate inspector to give the run (`inspect`). */
  inspect: (event: InspectionEvent) => void;
  /** Stops serving and ends every page's connection. */
  close(): Promise<void>;
}

export interface InspectServerOptions {
  address: ListenAddress;
  token: string;
}

/** Starts the server; rejects with one line when the address cannot be used (a busy port, say). */
export async function startInspectServer({ address, token }: InspectServerOptions): Promise<InspectServer> {
  const { createInspector } = await import("@statelyai/inspect");
  const buffered: string[] = [];
  const pages = new Set<WebSocket>();
  const http = createServer((request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    response.end(bridgePage(inspectorUi, new URL(inspectorUi).origin));
  });
  const sockets = new WebSocketServer({ noServer: true });
  http.on("upgrade", (request, socket, head) => {
    if (!hasToken(request, token)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
      return;
    }
    sockets.handleUpgrade(request, socket, head, (page) => {
      pages.add(page);
      page.on("close", () => pages.delete(page));
      page.on("error", () => pages.delete(page));
      for (const message of buffered) page.send(message);
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(`--inspect ${address.host}:${address.port}: ${error.code === "EADDRINUSE" ? "the port is in use" : error.message}`)),
    );
    http.listen(address.port, address.host, () => resolve());
  });
  const send = (event: unknown): void => {
    const message = safeJson(event);
    buffered.push(message);
    if (buffered.length > maxBuffered) buffered.shift();
    for (const page of pages) page.send(message);
  };
  const inspector = createInspector({ send });
  const { port } = http.address() as AddressInfo;
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return {
    url: `http://${host}:${port}/#${token}`,
    inspect: (event) => inspector.inspect.next?.(event),
    close: async () => {
      // createInspector hands events on from a timer: let those of the run's last step out first.
      await new Promise((resolve) => setTimeout(resolve, 0));
      for (const page of pages) page.terminate();
      sockets.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const hasToken = (request: IncomingMessage, token: string): boolean => new URL(request.url ?? "/", "http://localhost").searchParams.get("token") === token;

/** JSON of an inspection event: an object met again (an actor's cycles) is `"[Circular]"`; functions are left out as JSON does. */
const safeJson = (value: unknown): string => {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== "object" || item === null) return item;
    if (seen.has(item)) return "[Circular]";
    seen.add(item);
    return item;
  });
};

/** The page: the inspector UI in a frame, fed each event once the UI says it is connected. */
const bridgePage = (ui: string, origin: string): string => `<!doctype html>
<html>
<head>
  <meta charset="utf-8">
  <title>Escapement: Stately inspector</title>
  <style>* { margin: 0; padding: 0; } html, body { height: 100%; } iframe { width: 100%; height: 100%; border: none; }</style>
</head>
<body>
  <iframe id="inspector" src="${ui}"></iframe>
  <script>
    const frame = document.getElementById("inspector");
    const waiting = [];
    let connected = false;
    window.addEventListener("message", (message) => {
      if (message.origin === "${origin}" && message.data && message.data.type === "@statelyai.connected") {
        connected = true;
        for (const event of waiting.splice(0)) frame.contentWindow.postMessage(event, "${origin}");
      }
    });
    const token = location.hash.slice(1);
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/?token=" + encodeURIComponent(token));
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (connected) frame.contentWindow.postMessage(event, "${origin}");
      else waiting.push(event);
    };
  </script>
</body>
</html>
`;
