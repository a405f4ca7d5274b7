#!/usr/bin/env node
/**
 * `npm start`: runs the flagship example (examples/haiku-tournament) end to end on its bundled
 * cassette (no credentials, no cost).
 * The session is written to .escapement/<session-id>/.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = [join(root, "core/bin/escapement.mjs"), "run", join(root, "examples/haiku-tournament"), ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { stdio: "inherit", cwd: root });
child.on("exit", (code, signal) => {
  process.exitCode = signal ? 1 : (code ?? 1);
});
