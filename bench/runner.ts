/**
 * Runner bench: `npm run bench:runner [-- --events N --sessions 1000,10000 --deadline-x 60]`.
 *
 * 1. Events/s of a two-state ping-pong chart through `runChart` (a transcript row per event and a
 *    checkpoint at every transcript flush, in a real session directory) against the same chart on
 *    a bare xstate actor, in two modes (see bench/runner/ping-pong.ts): `burst` (events queue up in
 *    one synchronous drain, many per flush) and `tick` (one event per event-loop turn, so one flush
 *    and one checkpoint per event). Target: runner overhead <= 2x bare.
 *    Then `--loop N` (default 3000, 0 skips): the same counting loop of N steps in LangGraph.js
 *    (StateGraph with its MemorySaver checkpointer) beside runChart in both modes (see
 *    bench/runner/langgraph-loop.ts), and beside the same loop on a bare xstate actor (the floor of
 *    any runner on xstate). Target: runChart >= 40x LangGraph.js's steps/s.
 * 2. C concurrent sessions in one process, each a full runChart doing 6 scripted streamed turns
 *    (first token after 200 ms, then 50 tokens 5 ms apart): wall time against one session's ideal
 *    6 x (200 + 50 x 5) ms, peak RSS, errors. Target at C = 10,000: 0 errors, wall <= 3x ideal,
 *    peak RSS <= 1.5 GiB. Side by side: every session on the main thread (runChart), and on a
 *    SessionPool of N threads of the same process (this one and N-1 workers; `--threads N`,
 *    default one per CPU, 1 skips it), and the baseline: the same scripted model answering the
 *    same turns with no runner (`model alone`), whose CPU per session each shape is divided by.
 *    Each run in a fresh process; a row is the median of `--runs` (default 3).
 * 3. `--fan-out N` (default 1000, 0 skips): one parent session spawning N child sessions at once
 *    (spawnChildren), each 3 streamed turns, against one child's ideal, beside the same N charts as
 *    plain sessions (see bench/runner/fan-out.ts). Target at 1,000: wall <= 2x ideal, RSS <= 1 GiB.
 *    After section 2 it runs in a fresh process, so its peak RSS is its own.
 * 4. `--shell N` (default 200, 0 skips), printed first: shell start-up, `shell_run` of `true`
 *    spawned bare against inside the bubblewrap sandbox, median and p95 of N runs each (see
 *    bench/runner/shell-start.ts).
 * 5. `--permission-checks N` (default 100000, 0 skips), printed second: the permission policy's cost
 *    per fs tool call with 100 rules, pure and with the path's realpath, beside realpath alone
 *    (see bench/runner/permission-check.ts). Target: p99 <= 50 µs.
 * 6. `--tool-dispatch N` (default 20000, 0 skips), printed third: tool dispatch overhead per call
 *    beside the tool's own time (target <= 50 µs), and one step of 8 parallel-safe 100 ms tools
 *    beside the same tools serial (target <= 250 ms wall; see bench/runner/tool-dispatch.ts).
 *    `--tools-only` runs sections 4, 5 and 6 alone (a few seconds).
 *
 * The npm script builds the core and runs this file on the build (what an installed package runs:
 * tsx's transform of the sources keeps function names, several KB a session of the heap); with
 * `--conditions=escapement-source` it measures the sources (the header says which). Sections 1, 4,
 * 5 and 6 load some parts from the sources themselves.
 *
 * Sessions write to a directory under the system temp directory (or `--dir D`, to compare
 * filesystems) that is removed afterwards. Before each sessions run the bench waits (up to
 * `--settle` seconds) until creating a file is fast: see `settleDisk`. Profile with
 * `node --import tsx --cpu-prof bench/runner.ts --sessions 1000 --threads 1`.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, platform, tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { bareThroughput, runnerThroughput, stateHashCost, type PingPongMode, type ThroughputResult } from "./runner/ping-pong.js";
import {
  FIRST_TOKEN_MS,
  IDEAL_MS,
  TOKENS,
  TOKEN_GAP_MS,
  TURNS,
  runModelAlone,
  runSessions,
  runSessionsOnPool,
  type SessionsResult,
} from "./runner/sessions.js";
import { int, mib, ratio, table, verdict } from "./runner/table.js";
import { fanOutSection } from "./runner/fan-out.js";
import { shellStartSection } from "./runner/shell-start.js";
import { permissionCheckSection } from "./runner/permission-check.js";
import { toolDispatchSection } from "./runner/tool-dispatch.js";
import { compareLoops } from "./runner/langgraph-loop.js";

const TARGET_OVERHEAD = 2;
/** The state hash's share of the runner's overhead per event. */
const TARGET_HASH_SHARE = 0.05;
const TARGET_WALL_X = 3;
const TARGET_RSS = 1.5 * 2 ** 30;
const TARGET_AT = 10_000;
/** Escapement's steps/s on the loop, at least this many times LangGraph.js's. */
const TARGET_LOOP_X = 40;

function parseFlags() {
  const { values } = parseArgs({
    options: {
      events: { type: "string", default: "100000" },
      sessions: { type: "string", default: "100,1000,10000" },
      "deadline-x": { type: "string", default: "60" },
      repeat: { type: "string", default: "5" },
      runs: { type: "string", default: "3" },
      "fan-out": { type: "string", default: "1000" },
      shell: { type: "string", default: "200" },
      "permission-checks": { type: "string", default: "100000" },
      "tool-dispatch": { type: "string", default: "20000" },
      loop: { type: "string", default: "3000" },
      "tools-only": { type: "boolean", default: false },
      threads: { type: "string", default: String(availableParallelism()) },
      dir: { type: "string" },
      settle: { type: "string", default: "420" },
      warmup: { type: "string", default: "200" },
      // Internal: measure one shape of one session count in this (fresh) process and print it as JSON.
      measure: { type: "string" },
      root: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "usage: npm run bench:runner -- [--events N (0: skip)] [--repeat 5 (rounds of the event runs and of the loop)] [--sessions 100,1000,10000] [--runs 3 (per sessions row)] [--deadline-x 60] [--fan-out 1000 (0: skip)]" +
        " [--loop 3000 (steps of the loop beside LangGraph.js; 0: skip)] [--shell 200 (shell start-up runs, bare and sandboxed; 0: skip)] [--permission-checks 100000 (0: skip)] [--tool-dispatch 20000 (calls; 0: skip)] [--tools-only (those three sections alone)]" +
        " [--threads N (the sessions also on a SessionPool of N threads; default one per CPU, 1: main thread only)]" +
        " [--dir D (where sessions are written; default the system temp directory)]" +
        " [--warmup N (sessions each run serves before its clock starts, default 200; 0: none)]" +
        " [--settle S (before each sessions run, wait up to S seconds, default 420, for file creates to be fast again; 0: do not wait)]",
    );
    process.exit(0);
  }
  const positive = (name: string, text: string): number => {
    const value = Number(text.replace(/_/g, ""));
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name}: expected a positive integer, got "${text}"`);
    return value;
  };
  return {
    events: values.events === "0" ? 0 : positive("events", values.events),
    sessions: values.sessions
      .split(",")
      .filter((part) => part.trim() !== "")
      .map((part) => positive("sessions", part.trim())),
    deadlineX: positive("deadline-x", values["deadline-x"]),
    repeat: positive("repeat", values.repeat),
    runs: positive("runs", values.runs),
    fanOut: values["fan-out"] === "0" ? 0 : positive("fan-out", values["fan-out"]),
    shell: values.shell === "0" ? 0 : positive("shell", values.shell),
    permissionChecks: values["permission-checks"] === "0" ? 0 : positive("permission-checks", values["permission-checks"]),
    toolDispatch: values["tool-dispatch"] === "0" ? 0 : positive("tool-dispatch", values["tool-dispatch"]),
    loop: values.loop === "0" ? 0 : positive("loop", values.loop),
    toolsOnly: values["tools-only"],
    threads: positive("threads", values.threads),
    dir: values.dir ?? tmpdir(),
    warmup: values.warmup === "0" ? 0 : positive("warmup", values.warmup),
    settleMs: (values.settle === "0" ? 0 : positive("settle", values.settle)) * 1000,
    measure: values.measure,
    root: values.root,
  };
}

/** The soft open-files limit (Linux), for reading EMFILE errors; undefined elsewhere. */
function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((text) => text.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === "unlimited" ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** 1-minute load average: figures taken on a busy machine are slower than the code is. */
const load = (): string => loadavg()[0]!.toFixed(2);

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measureEvents(events: number, repeat: number, root: string) {
  const modes: PingPongMode[] = ["burst", "tick"];
  const results: { mode: PingPongMode; bare: number; runner: number; rows: number; hashUs: number; overhead: number; overheadUs: number; hashShare: number }[] =
    [];
  let dirs = 0;
  for (const mode of modes) {
    // Warm every path up (JIT) before measuring.
    await bareThroughput(mode, Math.min(events, 10_000));
    await runnerThroughput(mode, Math.min(events, 10_000), join(root, `warm-${dirs++}`));
    await stateHashCost(mode, Math.min(events, 10_000));
    const bare: ThroughputResult[] = [];
    const runner: (ThroughputResult & { rows: number })[] = [];
    const hashUs: number[] = [];
    // Per round, bare and runner back to back: the ratios are taken round by round, so a moment
    // the machine is slower for both does not land on one side of the ratio only.
    const overheads: number[] = [];
    const overheadUs: number[] = [];
    const shares: number[] = [];
    for (let round = 0; round < repeat; round++) {
      const bareRound = await bareThroughput(mode, events - 1);
      const runnerRound = await runnerThroughput(mode, events - 1, join(root, `events-${dirs++}`));
      const hashRound = (await stateHashCost(mode, events - 1)).usPerEvent;
      bare.push(bareRound);
      runner.push(runnerRound);
      hashUs.push(hashRound);
      overheads.push(bareRound.eventsPerSec / runnerRound.eventsPerSec);
      // What runChart adds to an event over bare xstate (transcript row, checkpoint, the hash itself).
      const addedUs = 1e6 / runnerRound.eventsPerSec - 1e6 / bareRound.eventsPerSec;
      overheadUs.push(addedUs);
      shares.push(hashRound / addedUs);
    }
    results.push({
      mode,
      bare: median(bare.map((r) => r.eventsPerSec)),
      runner: median(runner.map((r) => r.eventsPerSec)),
      rows: runner[0]!.rows,
      hashUs: median(hashUs),
      overhead: median(overheads),
      overheadUs: median(overheadUs),
      hashShare: median(shares),
    });
  }
  return results;
}

type Flags = ReturnType<typeof parseFlags>;

/**
 * How the cost of a session grows with the number running at once: per shape, CPU time and
 * peak memory per session at each count, beside the smallest count's (1.00x is flat growth).
 */
function scalingTable(results: readonly MeasuredSessions[]): void {
  const rows: string[][] = [];
  for (const threads of [...new Set(results.map((r) => r.threads))]) {
    const shape = results.filter((r) => r.threads === threads).sort((a, b) => a.sessions - b.sessions);
    const base = shape[0];
    if (!base || shape.length < 2) continue;
    const cpu = (r: MeasuredSessions) => r.cpuMs / r.sessions;
    for (const r of shape) {
      // Memory a session adds: the peak's growth over the fewest sessions' (the process's own heap is in both).
      const added = r === base ? "" : `${((r.peakRssBytes - base.peakRssBytes) / (r.sessions - base.sessions) / 1024).toFixed(0)} KiB`;
      rows.push([shapeName(threads), int(r.sessions), `${cpu(r).toFixed(2)} ms`, ratio(cpu(r) / cpu(base)), added, `${(r.wallMs / IDEAL_MS).toFixed(2)}x`]);
    }
  }
  if (rows.length === 0) return;
  console.log("\nCost per session as the sessions grow (each against the fewest sessions of its shape)");
  console.log(table(["shape", "sessions", "CPU/session", "vs fewest", "RSS per added session", "wall x ideal"], rows, ["l", "r", "r", "r", "r", "r"]));
}

/** LangGraph.js beside runChart on the same counting loop (see bench/runner/langgraph-loop.ts). */
async function loopSection(steps: number, repeat: number, root: string): Promise<void> {
  const result = await compareLoops(steps, repeat, root);
  const lang = result.langGraph.stepsPerSec;
  console.log(
    `A loop of ${int(steps)} steps: LangGraph.js (StateGraph, MemorySaver checkpointer in memory) beside runChart (transcript + checkpoints on disk), median of ${repeat}`,
  );
  console.log(
    table(
      ["implementation", "steps/s", "wall", "vs LangGraph.js", "target", "result"],
      [
        ["LangGraph.js", `${int(lang)}/s`, `${int(result.langGraph.ms)} ms`, "1.00x", "", ""],
        ...(["burst", "tick"] as const).flatMap((mode) => {
          const x = result.escapement[mode].stepsPerSec / lang;
          const bare = result.bare[mode];
          return [
            [
              `runChart, ${mode}`,
              `${int(result.escapement[mode].stepsPerSec)}/s`,
              `${int(result.escapement[mode].ms)} ms`,
              ratio(x),
              `>= ${TARGET_LOOP_X}x`,
              verdict(x >= TARGET_LOOP_X),
            ],
            [`  bare xstate, ${mode}`, `${int(bare.stepsPerSec)}/s`, `${int(bare.ms)} ms`, ratio(bare.stepsPerSec / lang), "", "(floor)"],
          ];
        }),
      ],
      ["l", "r", "r", "r", "l", "l"],
    ),
  );
  console.log("  bare xstate: the same chart on a bare actor, nothing written: the most any runner on xstate could reach (tick: a setImmediate per step)");
  console.log("");
}

/** Which core the sessions run on: its build (what an installed package runs) or its TypeScript sources. */
const coreMeasured = (): string => {
  const entry = fileURLToPath(import.meta.resolve("@escapement/core"));
  return `${entry.includes(`${sep}dist${sep}`) ? "its build" : "its sources"} (${relative(process.cwd(), entry)})`;
};

/** Microseconds to create one empty file in `dir`: how fast this disk is at the moment (see measureSessionsSection). */
function createProbeUs(dir: string, files = 300): number {
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  for (let index = 0; index < files; index++) closeSync(openSync(join(dir, `f${index}`), "wx"));
  return ((performance.now() - started) * 1000) / files;
}

/** A file create slower than this means the filesystem is still busy with an earlier mass delete. */
const SLOW_CREATE_US = 60;

/**
 * Waits, up to `maxMs`, until creating files is fast again. ext4 without a journal (this machine's
 * root filesystem) skips every inode freed in the last minutes (up to six while its inode table
 * is unwritten) on each create, so after a mass delete (a test run, an earlier bench's cleanup)
 * sessions would spend most of their time creating files: figures of the filesystem, not of
 * Escapement.
 */
async function settleDisk(root: string, maxMs: number): Promise<void> {
  // The same probe as the run's own (so the two agree), in a new directory each time.
  const probe = () => createProbeUs(mkdtempSync(join(root, "settle-")));
  const started = Date.now();
  let us = probe();
  while (us > SLOW_CREATE_US && Date.now() - started < maxMs) {
    console.log(`  waiting for the disk: a file create takes ${int(us)} us (recently deleted inodes), ${int((Date.now() - started) / 1000)} s so far`);
    spawnSync("sync");
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    us = probe();
  }
}

type MeasuredSessions = SessionsResult & { createUs: number; poolStartMs?: number };

/** The shape measured as "0 threads": the scripted model alone, the baseline (see `runModelAlone`). */
const MODEL_ALONE = 0;

/** A shape's name in the tables. */
const shapeName = (threads: number): string => (threads === MODEL_ALONE ? "model alone" : threads === 1 ? "main" : `pool ${threads}`);

/** A shape in a progress line. */
const shapeOf = (threads: number, poolStartMs = 0): string =>
  threads === MODEL_ALONE ? "of the model alone" : threads === 1 ? "on the main thread" : `on a pool of ${threads} threads (ready in ${int(poolStartMs)} ms)`;

/**
 * One shape (the model alone, the main thread, or a pool of `threads`) of `count` sessions, in
 * this process. Session directories stay until the bench ends: this filesystem (ext4) scans past
 * inodes deleted in the last minutes on every create, so deleting one run's files would slow the
 * next run's. The probe before the run shows what a file create costs at that moment.
 */
async function measureOne(count: number, threads: number, run: number, deadlineMs: number, root: string, warmup: number): Promise<MeasuredSessions> {
  // The model alone writes no file: no probe.
  if (threads === MODEL_ALONE) return { ...(await runModelAlone(count, deadlineMs, warmup)), createUs: 0 };
  const dir = join(root, `sessions-${count}-${threads}-${run}`);
  const createUs = createProbeUs(join(dir, "probe"));
  const result = threads === 1 ? await runSessions(count, dir, deadlineMs, warmup) : await runSessionsOnPool(count, threads, dir, deadlineMs, warmup);
  return { ...result, createUs };
}

async function measureSessionsSection(flags: Flags, root: string) {
  // Per row, the run with the median wall time (and every run's ratio): this machine's figures
  // move from run to run.
  const results: (MeasuredSessions & { runsX: number[] })[] = [];
  for (const count of flags.sessions) {
    // First the model alone: the baseline each runner row's CPU is divided by.
    for (const threads of flags.threads > 1 ? [MODEL_ALONE, 1, flags.threads] : [MODEL_ALONE, 1]) {
      const runs: MeasuredSessions[] = [];
      for (let run = 1; run <= flags.runs; run++) {
        if (flags.settleMs > 0 && threads !== MODEL_ALONE) await settleDisk(root, flags.settleMs);
        // Each in a fresh process: a heap grown by one run would count in the next one's peak RSS.
        const child = spawnSync(
          process.execPath,
          [
            ...process.execArgv,
            process.argv[1]!,
            ...["--measure", `${count},${threads},${run}`, "--deadline-x", String(flags.deadlineX), "--root", root, "--warmup", String(flags.warmup)],
          ],
          { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 16 * 2 ** 20 },
        );
        const last = child.stdout.trim().split("\n").at(-1) ?? "";
        if (child.status !== 0 || !last.startsWith("{"))
          throw new Error(`measuring ${count} sessions on ${threads} thread(s) failed (exit ${child.status}): ${child.stdout}`);
        const result = JSON.parse(last) as MeasuredSessions;
        runs.push(result);
        console.log(
          `  ${int(count)} sessions ${shapeOf(threads, result.poolStartMs)}, run ${run}: ` +
            `${int(result.wallMs)} ms (launch ${int(result.launchMs)} ms), ${result.errors} errors, peak RSS ${mib(result.peakRssBytes)}, ` +
            (threads === MODEL_ALONE ? "" : `file create ${int(result.createUs)} us, `) +
            `load ${load()}` +
            (result.timedOut ? `, stopped at the ${flags.deadlineX}x ideal deadline` : ""),
        );
      }
      const byWall = [...runs].sort((a, b) => a.wallMs - b.wallMs);
      results.push({ ...byWall[Math.floor((byWall.length - 1) / 2)]!, runsX: runs.map((r) => r.wallMs / IDEAL_MS) });
    }
  }
  console.log(
    `\nConcurrent sessions, ${TURNS} streamed turns each (first token ${FIRST_TOKEN_MS} ms, then ${TOKENS} tokens ${TOKEN_GAP_MS} ms apart); ` +
      `ideal ${int(IDEAL_MS)} ms; targets at ${int(TARGET_AT)}: 0 errors, wall <= ${TARGET_WALL_X}x ideal, peak RSS <= ${mib(TARGET_RSS)}`,
  );
  console.log(
    table(
      [
        "sessions",
        "shape",
        "wall ms",
        "x ideal",
        "every run",
        "launch ms",
        "CPU/session",
        "vs model alone",
        "in kernel",
        "file create",
        "peak RSS",
        "errors",
        "wall",
        "RSS",
        "errors",
        "result",
      ],
      results.map((r) => {
        const x = r.wallMs / IDEAL_MS;
        const checks = [x <= TARGET_WALL_X, r.peakRssBytes <= TARGET_RSS, r.errors === 0];
        const overall = checks.every(Boolean);
        const alone = results.find((each) => each.threads === MODEL_ALONE && each.sessions === r.sessions);
        const cpu = r.cpuMs / r.sessions;
        return [
          int(r.sessions),
          shapeName(r.threads),
          int(r.wallMs) + (r.timedOut ? "+" : ""),
          ratio(x),
          r.runsX.map((each) => each.toFixed(1)).join(" "),
          int(r.launchMs),
          `${cpu.toFixed(2)} ms`,
          alone ? ratio(cpu / (alone.cpuMs / alone.sessions)) : "",
          `${Math.round((100 * r.systemCpuMs) / r.cpuMs)}%`,
          r.threads === MODEL_ALONE ? "" : `${int(r.createUs)} us`,
          mib(r.peakRssBytes),
          int(r.errors),
          ...(r.threads === MODEL_ALONE
            ? ["", "", "", "(baseline)"]
            : [
                verdict(checks[0]!),
                verdict(checks[1]!),
                verdict(checks[2]!),
                r.sessions === TARGET_AT ? verdict(overall) : `${verdict(overall)} (target is set at ${int(TARGET_AT)})`,
              ]),
        ];
      }),
      ["r", "l", "r", "r", "l", "r", "r", "r", "r", "r", "r", "r", "l", "l", "l", "l"],
    ),
  );
  console.log(`  the run with the median wall time of ${flags.runs} (--runs); every run: each run's x ideal, in order`);
  console.log(
    "  model alone: the scripted model answering the six turns of every session with no runner (no chart, no session files): the floor;" +
      " vs model alone: a shape's CPU/session over the model alone's at the same count",
  );
  console.log(
    "  main: runChart for every session on the main thread; pool N: a SessionPool of this thread and N-1 workers in the same process" +
      " (--threads N), its threads started before the clock starts; each run in a fresh process",
  );
  console.log(
    `  warm-up: each run first serves ${int(flags.warmup)} sessions to the end (--warmup), not counted: the JIT has compiled the hot code, as in a process that has served sessions before`,
  );
  console.log(
    "  CPU/session: CPU time of the whole process (every thread, GC included) while the sessions ran, over the sessions;" +
      " in kernel: the part of it in system calls (the session files: how fast this file system is shows here)",
  );
  scalingTable(results);
  console.log("  file create: one empty file created just before the run (a session creates a directory and 5 files)");
  if (results.some((r) => r.createUs > SLOW_CREATE_US)) {
    console.log(
      "  Creates were slow: ext4 skips inodes freed in the last minutes, so a mass delete (a test run, an earlier bench) slows" +
        " every create for a while (up to six minutes). For figures of Escapement alone: rerun with a longer --settle.",
    );
  }
  for (const r of results) {
    for (const sample of r.errorSamples) console.log(`  ${int(r.sessions)}: ${sample}`);
  }
  return results;
}

async function main(): Promise<void> {
  const flags = parseFlags();
  if (flags.measure !== undefined) {
    const [count, threads, run] = flags.measure.split(",").map(Number);
    console.log(JSON.stringify(await measureOne(count!, threads!, run!, IDEAL_MS * flags.deadlineX, flags.root ?? tmpdir(), flags.warmup)));
    return;
  }
  mkdirSync(flags.dir, { recursive: true });
  const root = mkdtempSync(join(flags.dir, "escapement-bench-runner-"));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  process.once("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  const limit = openFilesLimit();
  console.log(
    `Escapement runner bench: node ${process.version}, ${cpus().length} CPUs, ${platform()}` +
      `${limit === undefined ? "" : `, open-files limit ${int(limit)}`}, load average ${load()}; sessions under ${root}; ` +
      `the core measured: ${coreMeasured()}\n`,
  );
  try {
    if (flags.shell > 0) await shellStartSection(flags.shell, root);
    if (flags.permissionChecks > 0) await permissionCheckSection(flags.permissionChecks, root);
    if (flags.toolDispatch > 0) await toolDispatchSection(flags.toolDispatch, root);
    if (flags.toolsOnly) return;
    if (flags.events > 0) {
      const events = await measureEvents(flags.events, flags.repeat, root);
      console.log(
        `Events/s, two-state ping-pong chart, ${int(flags.events)} events per run, median of ${flags.repeat} rounds (overhead: the median of each round's ratio)`,
      );
      console.log(
        table(
          ["mode", "bare xstate", "runChart (transcript + checkpoint)", "rows/run", "overhead", "target", "result"],
          events.map((e) => {
            const overhead = e.overhead;
            return [
              e.mode,
              `${int(e.bare)}/s`,
              `${int(e.runner)}/s`,
              int(e.rows),
              ratio(overhead),
              `<= ${TARGET_OVERHEAD}x`,
              verdict(overhead <= TARGET_OVERHEAD),
            ];
          }),
          ["l", "r", "r", "r", "r", "l", "l"],
        ),
      );
      console.log("  burst: events queue in one synchronous drain, a flush + checkpoint per 256 KiB of transcript");
      console.log("  tick:  one event per event-loop turn, so a flush + checkpoint per event\n");
      console.log(
        `The state hash of every runner/event-processed row, beside the runner's overhead per event (same runs); target <= ${TARGET_HASH_SHARE * 100}%`,
      );
      console.log(
        table(
          ["mode", "runner overhead/event", "state hash/event", "hash/overhead", "target", "result"],
          events.map((e) => {
            const { overheadUs, hashShare: share } = e;
            return [
              e.mode,
              `${overheadUs.toFixed(2)} us`,
              `${e.hashUs.toFixed(3)} us`,
              `${(share * 100).toFixed(2)}%`,
              `<= ${TARGET_HASH_SHARE * 100}%`,
              verdict(share <= TARGET_HASH_SHARE),
            ];
          }),
          ["l", "r", "r", "r", "l", "l"],
        ),
      );
      console.log(
        "  state hash: the runner's call (StateWatch.hashOf): a 64-bit hash of the canonical JSON of the chart's state value and context (the ping-pong's { n, max }), on each state of a bare run as it is made, only the hashing timed",
      );
      console.log("  runner overhead: 1/runChart - 1/bare xstate, per event; each figure the median over the rounds of the round's own\n");
    }
    if (flags.loop > 0 && !flags.toolsOnly) await loopSection(flags.loop, flags.repeat, root);

    const results = flags.sessions.length > 0 ? await measureSessionsSection(flags, root) : [];
    if (flags.fanOut > 0 && (results.length > 0 || flags.events > 0)) {
      // This process's heap grew with what it measured so far: measure the fan-out's own peak RSS
      // in a fresh process (which ends the report).
      spawnSync(
        process.execPath,
        [...process.execArgv, process.argv[1]!, "--events", "0", "--sessions", "", "--shell", "0", "--fan-out", String(flags.fanOut), "--dir", flags.dir],
        {
          stdio: "inherit",
        },
      );
    } else {
      if (flags.fanOut > 0) await fanOutSection(flags.fanOut, root);
      console.log(`\nload average at the end: ${load()} (${cpus().length} CPUs)`);
    }
  } finally {
    cleanup();
    // Written-back inode tables shorten the time the deleted inodes slow later creates (see above).
    spawnSync("sync");
  }
}

main().then(
  // Sessions stopped at the deadline may still hold timers: leave without waiting for them.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
