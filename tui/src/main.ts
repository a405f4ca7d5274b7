/**
 * Entry point: `bun tui/src/main.ts --replay <file.wire.jsonl>` or `--url ws://... --token T`.
 * The Solid JSX transform must be registered before any .tsx module loads, and tui/bunfig.toml
 * only applies when Bun starts inside tui/, so the app is imported after registering it here.
 */
import "@opentui/solid/preload";

const { runTui } = await import("./run-tui.ts");
await runTui(process.argv.slice(2));
