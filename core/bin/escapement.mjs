#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { compiledIsFresh } from "./compiled-cli.mjs";

// A closed pipe (`escapement show x | head`) ends the output, not the process with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const distDir = fileURLToPath(new URL("../dist/cli/", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));

// `run` loads a chart, a TypeScript module that imports @escapement/core: it and the CLI must be one
// copy of the core, so `run` always goes through tsx. Every other command loads no user code.
const { main } =
  process.argv[2] !== "run" && compiledIsFresh(distDir, root)
    ? await import(new URL("../dist/cli/main.js", import.meta.url).href)
    : await (async () => {
        const { register } = await import("tsx/esm/api");
        register();
        return import("../src/cli/main.ts");
      })();

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
