/**
 * TUI bench: `npm run bench:tui` (runs under Bun from inside tui/, which OpenTUI needs).
 *
 * 1. Memory with 100,000 transcript rows in the store (through the real view store) and the App
 *    rendered at 120x40: process RSS. Measured first, before the other sections allocate. Target:
 *    <= 300 MB.
 * 2. Store apply throughput: llm/delta frames for 100 conversations through the reducer, alone and
 *    with decodeOutbound (what the transport does to every message).
 * 3. Renderer frame time at 120x40 with 100 conversations streaming 2,000 tokens/s in total, one
 *    frame per 33 ms publishing interval: apply the interval's deltas, publish, render. Target:
 *    p99 <= 16 ms (wall clock; CPU time is printed too, for a machine other processes load).
 * 4. End-to-end delta latency, core -> applied in the TUI store, through a real core's wire server
 *    (`escapement run <fixture> --listen 127.0.0.1:0 --no-spawn`) and the TUI's ws client. The
 *    fixture (written to a temp dir) asks a confirm first, so the client is attached before the
 *    conversations stream; the client answers it. Runs only when core/src/wire exists. Target:
 *    p99 <= 50 ms.
 *
 * 5. First paint of `npm start` in a real terminal (tmux, 120x40): from the command to the first
 *    non-empty frame of the terminal UI, and to the first frame showing the run (the core
 *    connected), median of `--first-paint-runs` (default 5) after one warm-up run (see
 *    bench/tui-first-paint.ts). Target: <= 1 s each. Skipped without tmux.
 *
 * Flags: --seconds N (render section run time, default 10), --skip-e2e, --first-paint-runs N (0 skips).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { hasTmux, measureFirstPaint } from "./tui-first-paint.js";

const TARGET_FRAME_P99_MS = 16;
const TARGET_LATENCY_P99_MS = 50;
const TARGET_MEMORY_MB = 300;
const TARGET_FIRST_PAINT_MS = 1_000;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

/** The measuring module, loaded at run time: it is TSX for Bun and OpenTUI, outside this tsconfig. */
interface Measure {
  measureApply(frames?: number, conversations?: number): { applyPerSec: number; decodeApplyPerSec: number };
  measureRender(options: { width: number; height: number; conversations: number; tokensPerSec: number; seconds: number }): Promise<{
    frame: Percentiles;
    frameCpu: Percentiles;
    apply: Percentiles;
    publish: Percentiles;
    draw: Percentiles;
    ticks: number;
    deltas: number;
    logRows: number;
  }>;
  measureMemory(rows?: number): Promise<{ rows: number; logRows: number; heapMB: number; rssMB: number; rssBeforeMB: number }>;
  measureLatency(url: string, token: string, timeoutMs?: number): Promise<{ latency: Percentiles; frames: number; backlog: number; status: string }>;
}

const ms = (n: number) => `${n.toFixed(2)} ms`;
const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
const line = (label: string, value: string, target = "", ok?: boolean) =>
  console.log(`  ${label.padEnd(34)} ${value.padStart(14)}  ${target.padEnd(14)} ${ok === undefined ? "" : verdict(ok)}`);

const flags = () => {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      "skip-e2e": { type: "boolean", default: false },
      "first-paint-runs": { type: "string", default: "5" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log("usage: npm run bench:tui -- [--seconds 10] [--skip-e2e] [--first-paint-runs 5]");
    process.exit(0);
  }
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds: expected a positive number, got "${values.seconds}"`);
  const firstPaintRuns = Number(values["first-paint-runs"]);
  if (!Number.isInteger(firstPaintRuns) || firstPaintRuns < 0)
    throw new Error(`--first-paint-runs: expected a whole number, got "${values["first-paint-runs"]}"`);
  return { seconds, skipE2e: values["skip-e2e"], firstPaintRuns };
};

/** Waits for `<sessionDir>/wire.json` (the live run's url and token), polling with a deadline. */
const waitForWire = async (sessionDir: string, child: ChildProcess, deadlineMs: number): Promise<{ url: string; token: string }> => {
  const deadline = Date.now() + deadlineMs;
  const path = join(sessionDir, "wire.json");
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the core exited with ${child.exitCode} before it listened`);
    if (existsSync(path)) {
      try {
        const wire = JSON.parse(readFileSync(path, "utf8")) as { url?: unknown; token?: unknown };
        if (typeof wire.url === "string" && typeof wire.token === "string") return { url: wire.url, token: wire.token };
      } catch {
        // Written but not complete yet: look again.
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${path} within ${deadlineMs} ms`);
};

/**
 * The e2e fixture: a confirm prompt (so the client attaches before anything streams), then
 * E2E_CONVERSATIONS conversations in parallel regions, each streaming E2E_DELTAS one-token deltas
 * E2E_GAP_MS apart from a bundled script: E2E_CONVERSATIONS * 1000 / E2E_GAP_MS tokens/s in total.
 */
const E2E_CONVERSATIONS = 10;
const E2E_DELTAS = 1_000;
const E2E_GAP_MS = 5;

const fixtureChart = `import { setup } from "xstate";
import { askHuman, converse, defineChart, inlineActors } from "@escapement/core";

const ids = Array.from({ length: ${E2E_CONVERSATIONS} }, (_, i) => "s" + String(i).padStart(2, "0"));
const regions = Object.fromEntries(
  ids.map((id) => [
    id,
    {
      initial: "talking",
      states: {
        talking: {
          invoke: converse({ id, system: "Stream tokens.", message: "Go, " + id + ".", realTools: [] }),
          on: { "llm.idle": { target: "done", guard: ({ event }) => event.invokeId === id } },
        },
        done: { type: "final" },
      },
    },
  ]),
);

const machine = setup({ actors: inlineActors }).createMachine({
  id: "stream",
  initial: "gate",
  states: {
    gate: { invoke: { ...askHuman({ id: "go", kind: "confirm", message: "Start streaming?", default: true }), onDone: "stream" } },
    stream: { type: "parallel", states: regions, onDone: "done" },
    done: { type: "final" },
  },
});

export default defineChart({ id: "stream", machine, description: "bench:tui e2e fixture" });
`;

const fixtureScript = () => {
  const byState: Record<string, unknown[]> = {};
  for (let i = 0; i < E2E_CONVERSATIONS; i++) {
    const id = `s${String(i).padStart(2, "0")}`;
    const deltas = Array.from({ length: E2E_DELTAS }, (_, n) => ({ text: `tok${n} `, ...(n === 0 ? {} : { afterMs: E2E_GAP_MS }) }));
    byState[`stream.${id}.talking`] = [{ firstTokenMs: 0, deltas, usage: { input: 10, output: E2E_DELTAS } }];
  }
  return JSON.stringify({ byState });
};

const endToEnd = async (measure: Measure): Promise<boolean | undefined> => {
  const rate = (E2E_CONVERSATIONS * 1000) / E2E_GAP_MS;
  console.log(`\n4. End-to-end delta latency, core -> applied in the TUI store (${E2E_CONVERSATIONS} conversations, ~${rate} tokens/s)`);
  if (!existsSync(join(ROOT, "core/src/wire"))) {
    console.log("  skipped: core/src/wire does not exist yet (no wire server to connect to)");
    return undefined;
  }
  // The fixture lives in a temp dir; a node_modules link lets it import xstate and @escapement/core.
  const dir = mkdtempSync(join(tmpdir(), "esc-bench-tui-"));
  writeFileSync(join(dir, "chart.mjs"), fixtureChart);
  writeFileSync(join(dir, "script.json"), fixtureScript());
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  const sessionDir = join(dir, "session");
  const args = [
    join(ROOT, "core/bin/escapement.mjs"),
    "run",
    join(dir, "chart.mjs"),
    "--listen",
    "127.0.0.1:0",
    "--no-spawn",
    "--session-dir",
    sessionDir,
    "--loop-threshold",
    "0",
  ];
  const child = spawn("node", args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    const { url, token } = await waitForWire(sessionDir, child, 30_000);
    const result = await measure.measureLatency(url, token, 120_000);
    line("frames received", String(result.frames));
    line("deltas timed (live)", String(result.latency.count));
    if (result.backlog > 0) line("deltas before attach (not timed)", String(result.backlog));
    if (result.latency.count === 0) {
      console.log(`  no live llm/delta frames arrived (connection: ${result.status})`);
      if (stderr) console.log(`  core stderr (tail):\n${stderr.replace(/^/gm, "    ")}`);
      return false;
    }
    line("latency p50", ms(result.latency.p50));
    const ok = result.latency.p99 <= TARGET_LATENCY_P99_MS;
    line("latency p99", ms(result.latency.p99), `<= ${TARGET_LATENCY_P99_MS} ms`, ok);
    line("latency max", ms(result.latency.max));
    return ok;
  } catch (error) {
    console.log(`  failed: ${error instanceof Error ? error.message : String(error)}`);
    if (stderr) console.log(`  core stderr (tail):\n${stderr.replace(/^/gm, "    ")}`);
    return false;
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
};

const firstPaintSection = async (runs: number): Promise<boolean | undefined> => {
  console.log(`\n5. First paint of npm start in a real terminal (tmux 120x40), median of ${runs}`);
  if (runs === 0) return void console.log("  skipped (--first-paint-runs 0)");
  if (!hasTmux()) return void console.log("  skipped: tmux is not installed");
  try {
    const result = await measureFirstPaint(ROOT, runs);
    line("every run", result.samples.map((sample) => sample.toFixed(0)).join(" "));
    const ok = result.median <= TARGET_FIRST_PAINT_MS;
    line("command -> first frame, median", `${result.median.toFixed(0)} ms`, `<= ${TARGET_FIRST_PAINT_MS} ms`, ok);
    console.log(`  first frame's top line: ${result.firstLine.slice(0, 100)}`);
    line("every run, to the run shown", result.connectedSamples.map((sample) => sample.toFixed(0)).join(" "));
    const connectedOk = result.connectedMedian <= TARGET_FIRST_PAINT_MS;
    line("command -> run shown, median", `${result.connectedMedian.toFixed(0)} ms`, `<= ${TARGET_FIRST_PAINT_MS} ms`, connectedOk);
    return ok && connectedOk;
  } catch (error) {
    console.log(`  failed: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
};

const main = async () => {
  if (!("Bun" in globalThis)) {
    console.error("bench:tui runs under Bun (OpenTUI's native renderer does not load in Node): npm run bench:tui");
    process.exit(2);
  }
  const { seconds, skipE2e, firstPaintRuns } = flags();
  // The Solid JSX transform must be registered before the TSX module loads (as in tui/src/main.ts).
  await import("@opentui/solid/preload" as string);
  const measure = (await import(pathToFileURL(join(ROOT, "tui/bench/measure.tsx")).href)) as Measure;

  const bunVersion = (globalThis as { Bun?: { version: string } }).Bun?.version;
  console.log(
    `bench:tui on ${platform()} ${cpus().length} cores, Bun ${bunVersion}, load average ${loadavg()
      .map((n) => n.toFixed(1))
      .join(" ")}`,
  );

  console.log("\n1. Memory with 100,000 transcript rows (store + App at 120x40; measured first, in a fresh process)");
  const memory = await measure.measureMemory(100_000);
  line("log rows held", String(memory.logRows));
  line("state heap", `${memory.heapMB.toFixed(1)} MB`);
  const memoryOk = memory.rssMB <= TARGET_MEMORY_MB;
  line("process RSS before the rows", `${memory.rssBeforeMB.toFixed(1)} MB`);
  line("process RSS", `${memory.rssMB.toFixed(1)} MB`, `<= ${TARGET_MEMORY_MB} MB`, memoryOk);

  console.log("\n2. Store apply throughput (llm/delta frames, 100 conversations)");
  const apply = measure.measureApply();
  line("applyFrame", `${Math.round(apply.applyPerSec).toLocaleString("en-US")}/s`);
  line("decodeOutbound + applyFrame", `${Math.round(apply.decodeApplyPerSec).toLocaleString("en-US")}/s`);

  console.log(`\n3. Frame time at 120x40, 100 conversations, 2,000 tokens/s, ${seconds} s of run time`);
  const render = await measure.measureRender({ width: 120, height: 40, conversations: 100, tokensPerSec: 2_000, seconds });
  line("frames (one per 33 ms)", String(render.ticks));
  line("deltas applied", String(render.deltas));
  const pair = (p: Percentiles) => `${p.p50.toFixed(2)} / ${p.p99.toFixed(2)}`;
  line("frame p50 (apply+publish+render)", ms(render.frame.p50));
  const frameOk = render.frame.p99 <= TARGET_FRAME_P99_MS;
  line("frame p99", ms(render.frame.p99), `<= ${TARGET_FRAME_P99_MS} ms`, frameOk);
  line("frame max", ms(render.frame.max));
  line("  apply p50 / p99", pair(render.apply));
  line("  publish (Solid updates) p50 / p99", pair(render.publish));
  line("  render (layout+draw) p50 / p99", pair(render.draw));
  line("frame CPU time p50 / p99", pair(render.frameCpu), `<= ${TARGET_FRAME_P99_MS} ms`, render.frameCpu.p99 <= TARGET_FRAME_P99_MS);
  const [load] = loadavg();
  if ((load ?? 0) > cpus().length) {
    console.log(`  note: load average ${load?.toFixed(1)} on ${cpus().length} cores: other processes took the CPU, so wall-clock`);
    console.log("        percentiles include time this process waited to run; CPU time is what the frames cost.");
  }

  const e2e = skipE2e ? undefined : await endToEnd(measure);
  if (skipE2e) console.log("\n4. End-to-end delta latency: skipped (--skip-e2e)");

  const firstPaint = await firstPaintSection(firstPaintRuns);

  const failed = [frameOk, memoryOk, e2e, firstPaint].some((ok) => ok === false);
  console.log(`\n${failed ? "FAIL: a figure is over its target" : "PASS: every measured figure is within its target"}`);
  process.exit(failed ? 1 : 0);
};

await main();
