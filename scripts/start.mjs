#!/usr/bin/env node
/**
 * `npm start`, for now: renders the sample session with the reference renderer. It will run the
 * flagship example once the core can.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const child = spawn(process.execPath, [join(here, "reference-renderer.mjs"), join(here, "sample.wire.jsonl"), "--strict"], {
  stdio: "inherit",
});
child.on("exit", (code, signal) => {
  process.exitCode = signal ? 1 : (code ?? 1);
});
