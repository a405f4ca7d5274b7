/** Mounts the app on a renderer (the real terminal, or a test one). */
import { render } from "@opentui/solid";
import type { CliRenderer } from "@opentui/core";
import { App, type AppProps } from "./app.tsx";

export const mountApp = (renderer: CliRenderer, props: AppProps): Promise<void> => render(() => <App {...props} />, renderer);
