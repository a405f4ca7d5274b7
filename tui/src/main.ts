/**
 * Entry point: `--replay <file.wire.jsonl>` or `--url ws://... --token T` (see cli-args.ts).
 *
 * Installed, Bun runs the build of this file, dist/main.js (scripts/build.ts), whose JSX was
 * compiled ahead. Run from the sources (`bun --conditions=escapement-source src/main.ts`), the
 * Solid JSX transform must be registered before any .tsx module loads, and tui/bunfig.toml only
 * applies when Bun starts inside tui/, so the app is imported after registering it here; the
 * build leaves this import out.
 */
import "@opentui/solid/preload";

const { runTui } = await import("./run-tui.ts");
await runTui(process.argv.slice(2));
