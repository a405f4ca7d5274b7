/**
 * The shell start-up section of `npm run bench:runner`: the wall time of one `shell_run` call of
 * `true`, spawned bare (`bash -c`) and inside the bubblewrap sandbox (read-only /, a writable work
 * root, a hidden session directory and key file, no network), runs of the two interleaved so that
 * both see the same machine. The sandboxed half is skipped, with a note, where bwrap cannot run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { detectBwrap } from "../../core/src/tools/detect-bwrap.js";
import { createShellRunTool } from "../../core/src/tools/shell-run.js";
import type { ShellSandbox } from "../../core/src/tools/shell-sandbox.js";
import type { ToolContext } from "../../core/src/tools/tool.js";
import { ratio, table } from "./table.js";

const WARMUP = 10;

const ms = (value: number): string => `${value.toFixed(2)} ms`;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export async function shellStartSection(runs: number, root: string): Promise<void> {
  const work = join(root, "shell-work");
  const session = join(root, "shell-session");
  const key = join(root, "shell-key.json");
  mkdirSync(work, { recursive: true });
  mkdirSync(session, { recursive: true });
  writeFileSync(key, "{}");
  const detection = await detectBwrap();
  const sandbox: ShellSandbox | undefined =
    "path" in detection ? { bwrap: detection.path, writable: [work], hidden: [session, key], network: false } : undefined;

  const tool = createShellRunTool();
  const base: ToolContext = { workDir: work, signal: new AbortController().signal, permit: async () => ({ allowed: true, rule: "bench" }) };
  const once = async (context: ToolContext): Promise<number> => {
    const started = performance.now();
    const result = await tool.execute({ command: "true" }, context);
    const elapsed = performance.now() - started;
    if (result.isError) throw new Error(`shell_run of true failed${context.sandbox ? " in the sandbox" : ""}: ${result.output}`);
    return elapsed;
  };
  const bare: number[] = [];
  const sandboxed: number[] = [];
  for (let run = -WARMUP; run < runs; run++) {
    const bareMs = await once(base);
    const sandboxedMs = sandbox ? await once({ ...base, sandbox }) : undefined;
    if (run < 0) continue;
    bare.push(bareMs);
    if (sandboxedMs !== undefined) sandboxed.push(sandboxedMs);
  }

  console.log(`Shell start-up: bare spawn vs bwrap sandbox, shell_run of \`true\`, ${runs} runs each (interleaved, after ${WARMUP} warm-up runs)`);
  const rows = [["bare spawn (bash -c)", ms(percentile(bare, 50)), ms(percentile(bare, 95))]];
  if (sandboxed.length > 0) {
    rows.push(["bwrap sandbox", ms(percentile(sandboxed, 50)), ms(percentile(sandboxed, 95))]);
    rows.push(["sandbox / bare", ratio(percentile(sandboxed, 50) / percentile(bare, 50)), ratio(percentile(sandboxed, 95) / percentile(bare, 95))]);
  }
  console.log(table(["shell_run", "median", "p95"], rows, ["l", "r", "r"]));
  if ("unavailable" in detection) console.log(`  sandboxed half skipped: ${detection.unavailable}`);
  else console.log(`  sandbox: ${detection.path}, the work root writable, a session directory and a key file hidden, no network`);
}
