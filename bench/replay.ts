/**
 * npm run bench:replay — transcript -> wire throughput, time to first frame and RSS of
 * `open --emit-wire`, and a strict cassette replay of a 1,000-turn session.
 * Flags: --mb <size of the big transcript, default 200>.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { spawn } from "node:child_process";
import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors, tellLlm } from "../core/src/chart/index.js";
import { scriptedModel } from "../core/src/llm/index.js";
import { CassetteModel, loadCassette } from "../core/src/llm/cassette/index.js";
import { runChart } from "../core/src/runtime/runner.js";
import { transcriptToWire } from "../core/src/replay/index.js";
import { writeSyntheticTranscript } from "./replay/synthetic-transcript.js";

const { values } = parseArgs({ options: { mb: { type: "string", default: "200" } } });
const bigMb = Number(values.mb);
const work = mkdtempSync(join(tmpdir(), "escapement-bench-replay-"));
const mib = 1024 * 1024;
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

async function transform(path: string): Promise<{ seconds: number; firstFrameMs: number; frames: number; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const start = performance.now();
  let firstFrameMs = -1;
  let frames = 0;
  for await (const line of transcriptToWire(path)) {
    if (frames++ === 0) firstFrameMs = performance.now() - start;
    if (line.text.length === 0) throw new Error("empty frame");
  }
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  return { seconds, firstFrameMs, frames, peakRssMb: Math.max(peak, process.memoryUsage.rss()) / mib };
}

function cliFirstFrame(sessionDir: string): Promise<{ firstFrameMs: number; totalMs: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let first = -1;
    const child = spawn(process.execPath, [join(import.meta.dirname, "../core/bin/escapement.mjs"), "open", sessionDir, "--emit-wire"], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.on("data", () => {
      if (first < 0) first = performance.now() - start;
    });
    child.on("exit", (code) => (code === 0 ? resolve({ firstFrameMs: first, totalMs: performance.now() - start }) : reject(new Error(`open exited ${code}`))));
  });
}

/** 100 conversations x 10 turns = 1,000 recorded turns. */
const fleet = setup({ actors: inlineActors, types: { context: {} as { n: number } } }).createMachine({
  id: "thousand",
  context: { n: 0 },
  initial: "talk",
  states: {
    talk: {
      invoke: converse({
        id: "talker",
        message: ({ context }) => `Conversation ${context.n}: count to ten.`,
        realTools: [],
        allowedEvents: { "count.done": { schema: z.object({}), description: "finished counting" } },
      }),
      on: {
        "llm.idle": { actions: tellLlm("talker", "Next.") },
        "count.done": { target: "next" },
      },
    },
    next: {
      always: [{ guard: ({ context }) => context.n >= 99, target: "done" }, { target: "talk", actions: assign({ n: ({ context }) => context.n + 1 }) }],
    },
    done: { type: "final" },
  },
});

async function cassetteReplay(): Promise<{ turns: number; recordMs: number; replayMs: number }> {
  const steps = Array.from({ length: 100 }, () => [
    ...Array.from({ length: 9 }, (_, i) => ({ text: `${i + 1}` })),
    { text: "10", events: [{ name: "count_done" }] },
  ]).flat();
  const chart = { id: "thousand", machine: fleet };
  let start = performance.now();
  const recorded = await runChart({ chart, model: scriptedModel(steps), sessionDir: join(work, "recorded"), cwd: work, loopThreshold: false });
  const recordMs = performance.now() - start;
  if (recorded.status !== "done") throw new Error(`recording ended ${recorded.status}: ${recorded.error?.message}`);
  const cassette = await loadCassette(recorded.sessionDir, "thousand");
  start = performance.now();
  const replayed = await runChart({ chart, model: new CassetteModel(cassette, { mode: "strict" }), sessionDir: join(work, "replayed"), cwd: work, loopThreshold: false });
  const replayMs = performance.now() - start;
  if (replayed.status !== "done") throw new Error(`replay ended ${replayed.status}: ${replayed.error?.message}`);
  return { turns: cassette.calls.length, recordMs, replayMs };
}

try {
  console.log(`replay bench: node ${process.version}, transcript ${bigMb} MiB (mostly llm/delta)\n`);
  const small = join(work, "small.jsonl");
  const bigDir = join(work, "big");
  const big = join(bigDir, "transcript.jsonl");
  await writeSyntheticTranscript(small, 20 * mib);
  (await import("node:fs")).mkdirSync(bigDir);
  (await import("node:fs")).writeFileSync(join(bigDir, "session.json"), JSON.stringify({ sessionId: "big", chartId: "bench", chartModule: "", createdAt: 0, status: "done" }));
  const generated = await writeSyntheticTranscript(big, bigMb * mib);
  const smallRun = await transform(small);
  const bigRun = await transform(big);
  const bigBytes = statSync(big).size;
  const throughput = bigBytes / mib / bigRun.seconds;
  const cli = await cliFirstFrame(bigDir);
  const replay = await cassetteReplay();
  const rows = [
    ["transcript -> wire throughput", `${throughput.toFixed(1)} MiB/s (${bigRun.frames.toLocaleString()} frames from ${generated.rows.toLocaleString()} rows)`, ">= 100 MB/s", verdict(throughput >= 100)],
    ["time to first frame (in process)", `${bigRun.firstFrameMs.toFixed(1)} ms on ${bigMb} MiB`, "<= 200 ms", verdict(bigRun.firstFrameMs <= 200)],
    ["time to first frame (open --emit-wire, incl. process start)", `${cli.firstFrameMs.toFixed(0)} ms (whole file ${cli.totalMs.toFixed(0)} ms)`, "(info)", ""],
    ["peak RSS, 20 MiB vs big transcript", `${smallRun.peakRssMb.toFixed(0)} MiB vs ${bigRun.peakRssMb.toFixed(0)} MiB`, "flat, <= 150 MB", verdict(bigRun.peakRssMb <= 150 && bigRun.peakRssMb - smallRun.peakRssMb < 30)],
    ["strict cassette replay", `${replay.turns} turns in ${replay.replayMs.toFixed(0)} ms (recording run: ${replay.recordMs.toFixed(0)} ms)`, "<= 1 s", verdict(replay.replayMs <= 1000)],
  ];
  const width = rows.reduce((w, r) => Math.max(w, r[0]!.length), 0);
  for (const [what, figure, target, ok] of rows) console.log(`${what!.padEnd(width)}  ${figure}  [target ${target}] ${ok}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
