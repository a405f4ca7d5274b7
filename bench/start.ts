/**
 * Start-up of the installed CLI, as a user meets it: the packages are packed and installed into a
 * fresh project outside the repository (tests/install/packed-project.ts), then each command runs
 * `--runs` times (default 15) from that project, alternating, and the median is printed beside
 * the same machine's `node -e 0` measured in the same rounds (the floor no Node CLI goes under).
 *
 * - `escapement --version` and `escapement list`: spawn to exit. Targets: <= 300 ms each.
 * - `escapement run greet.ts --no-tui` (a TypeScript chart on its bundled script): spawn to the
 *   first transcript row (its `ts`, written when the row is durable). Target: <= 1 s.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { addFolder, createPackedProject } from "../tests/install/packed-project.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "15" } } });
const runs = Number(values.runs);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Runs a command to its exit; returns the wall time in ms (and fails loudly if it failed). */
function timed(command: string, args: string[], cwd: string): { ms: number; startedAt: number } {
  const startedAt = Date.now();
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return { ms, startedAt };
}

console.log(`bench:start: packing and installing the packages into a fresh project ...`);
const project = await createPackedProject();
try {
  const dir = addFolder(project, "greet", "greet", "commonjs");
  copyFileSync(join(dir, "chart.ts"), join(dir, "greet.ts"));
  const session = join(dir, "session");
  const samples = { node: [] as number[], version: [] as number[], list: [] as number[], firstRow: [] as number[] };

  // One warm-up of each (the page cache), then the measured rounds.
  for (let round = -1; round < runs; round++) {
    const node = timed(process.execPath, ["-e", "0"], dir);
    const version = timed(project.bin, ["--version"], dir);
    const list = timed(project.bin, ["list"], dir);
    rmSync(session, { recursive: true, force: true });
    const run = timed(project.bin, ["run", "greet.ts", "--no-tui", "--session-dir", session], dir);
    const firstRow = JSON.parse(readFileSync(join(session, "transcript.jsonl"), "utf8").split("\n")[0]!) as { ts: number };
    if (round < 0) continue;
    samples.node.push(node.ms);
    samples.version.push(version.ms);
    samples.list.push(list.ms);
    samples.firstRow.push(firstRow.ts - run.startedAt);
  }

  const floor = median(samples.node);
  const rows = [
    { what: "node -e 0 (the floor)", ms: floor, target: undefined },
    { what: "escapement --version", ms: median(samples.version), target: 300 },
    { what: "escapement list", ms: median(samples.list), target: 300 },
    { what: "escapement run (to the first transcript row)", ms: median(samples.firstRow), target: 1000 },
  ];
  console.log(
    `\nmedian of ${runs} runs each, ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n`,
  );
  for (const row of rows) {
    const verdict = row.target === undefined ? "" : row.ms <= row.target ? `  ✓ <= ${row.target} ms` : `  ✗ over ${row.target} ms`;
    console.log(`${row.what.padEnd(48)} ${row.ms.toFixed(0).padStart(5)} ms  ${(row.ms / floor).toFixed(1).padStart(5)}x node${verdict}`);
  }
  process.exitCode = rows.every((row) => row.target === undefined || row.ms <= row.target) ? 0 : 1;
} finally {
  project.remove();
}
