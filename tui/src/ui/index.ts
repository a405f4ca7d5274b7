/** The TUI's screens and the bridge that feeds them. */
export { App, layoutOf, type AppActions, type AppProps, type Focus } from "./app.tsx";
export { mountApp } from "./mount.tsx";
export { createViewStore, type ViewStore } from "./view-store.ts";
export { themeFor, COLOR_THEME, PLAIN_THEME, type Theme } from "./theme.ts";
