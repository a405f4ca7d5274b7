import { createDefaultRegistry } from "../../tools/index.js";
import { defaultSessionsRoot } from "../../runtime/session-dir.js";
import type { CliIo } from "../cli-io.js";
import { version } from "../version.js";

/** `escapement info`: what this installation would use. Never prints a secret. */
export function infoCommand(io: CliIo): number {
  const tools = createDefaultRegistry().list().map((tool) => tool.name);
  const lines = [
    `escapement ${version}`,
    `node ${process.version}`,
    `sessions: ${defaultSessionsRoot(io.cwd)}`,
    `tools: ${tools.join(", ")}`,
    "providers: none configured (charts run on their bundled script.json)",
  ];
  io.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
