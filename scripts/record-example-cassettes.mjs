#!/usr/bin/env node
/**
 * Re-records the bundled cassette of examples: runs each on its script.json and keeps the
 * run's cassette.jsonl next to the chart, so the example replays with no credentials.
 * Usage: node scripts/record-example-cassettes.mjs <example> [...]   (names under examples/)
 * Examples whose runs are not deterministic (iterate: real test output) keep only a script.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const examples = process.argv.slice(2);
if (examples.length === 0) {
  console.error("usage: node scripts/record-example-cassettes.mjs <example> [...]");
  process.exit(2);
}
const answers = { ask: "Ada\n2\ny\n" };
for (const name of examples) {
  const dir = join(root, "examples", name);
  const work = mkdtempSync(join(tmpdir(), `escapement-record-${name}-`));
  const session = join(work, "session");
  // The tools work in a scratch work root, never in the checkout.
  const run = (args) =>
    spawnSync(process.execPath, [join(root, "core/bin/escapement.mjs"), "run", dir, "--no-tui", "--work-dir", join(work, "work"), ...args], {
      cwd: root,
      input: answers[name] ?? "",
      encoding: "utf8",
    });
  const recorded = run(["--script", join(dir, "script.json"), "--session-dir", session]);
  if (recorded.status !== 0) {
    console.error(`${name}: recording run failed:\n${recorded.stderr}`);
    process.exit(1);
  }
  const replayed = run(["--replay", session, "--session-dir", join(work, "replayed")]);
  if (replayed.status !== 0) {
    console.error(`${name}: the recording does not replay strictly (not deterministic?):\n${replayed.stderr}`);
    process.exit(1);
  }
  copyFileSync(join(session, "cassette.jsonl"), join(dir, "cassette.jsonl"));
  rmSync(work, { recursive: true, force: true });
  console.log(`${name}: cassette recorded and verified`);
}
