#!/usr/bin/env node
// The `escapement` command: the compiled CLI in ../dist. It loads no TypeScript loader of its own;
// `run` loads one only for a chart written in TypeScript.
import { readFileSync } from "node:fs";
import module from "node:module";

// Node's compile cache (Node.js 22.8+; absent before, so skipped): the CLI's modules compile once,
// later starts read their code from it. Node's own directory: NODE_COMPILE_CACHE, else
// <os.tmpdir()>/node-compile-cache; NODE_DISABLE_COMPILE_CACHE=1 turns it off. It never throws.
module.enableCompileCache?.();

// A closed pipe (`escapement show x | head`) ends the output, not the process with a stack trace.
// A terminal that hung up (EIO) takes the output with it: the run still ends cleanly (SIGHUP below).
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    if (error.code === "EIO" || error.code === "ERR_STREAM_DESTROYED") return;
    throw error;
  });
}

const argv = process.argv.slice(2);

// The oldest Node the CLI runs on (package.json "engines"): older ones fail later, and less clearly.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`escapement: Node.js ${process.versions.node} is too old; Escapement needs Node.js 20.19 or newer\n`);
  process.exit(2);
}

// The version needs none of the CLI: answered from package.json, so it is instant.
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${manifest.version}\n`);
} else {
  let cli;
  try {
    cli = await import("../dist/cli/main.js");
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist/cli/main.js")) throw error;
    process.stderr.write("escapement: the CLI is not built (no dist/cli/main.js); run `npm run build` in the repository\n");
    process.exit(2);
  }
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  process.once("SIGTERM", () => controller.abort());
  // The terminal closed: the run ends as on SIGINT, but its session stays resumable. A hang-up
  // often comes twice (from the terminal, then from the shell passing it on to its jobs): the
  // handler stays, so a second one cannot kill the run halfway through writing its ending.
  process.on("SIGHUP", () => controller.abort(cli.hangUpReason()));
  process.exitCode = await cli.main(argv, {
    cwd: process.cwd(),
    env: process.env,
    // Made when a command reads it: most never do, and making it costs a few ms of every start.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTty: Boolean(process.stdout.isTTY),
    signal: controller.signal,
    pid: process.pid,
  });
}
