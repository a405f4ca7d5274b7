#!/usr/bin/env node
// Charts are TypeScript modules: register tsx so they (and the CLI) load on plain Node.
import { register } from "tsx/esm/api";

register();
// A closed pipe (`escapement show x | head`) ends the output, not the process with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { main } = await import("../src/cli/main.ts");
const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
process.once("SIGTERM", () => controller.abort());
process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  stdoutIsTty: Boolean(process.stdout.isTTY),
  signal: controller.signal,
});
