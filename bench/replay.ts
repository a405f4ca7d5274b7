/**
 * npm run bench:replay — transcript -> wire throughput beside its baseline, per-line `JSON.parse`
 * + `JSON.stringify` of the same transcript read with the same line reader, measured in turns in
 * the same run, and the ratio of the two (the target); time to first frame (in process), time to
 * first frame and peak RSS of the `open --emit-wire` child process, and a strict cassette replay
 * of a 1,000-turn session. Absolute figures are printed for information: they move with the
 * machine and its load, the ratio much less.
 *
 * Flags:
 *   --mb <n>          size of the big transcript in MiB (default 200; the small one is 20)
 *   --rounds <n>      repeat every measurement n times and report the median (default 3)
 *   --against <dir>   also measure another checkout of this repository, side by side in this
 *                     process and under the same load (e.g. `git archive <rev> | tar -x -C dir`
 *                     with dir/node_modules linking to this checkout's); figures print as
 *                     "before -> after"
 *
 * The machine may be loaded: wall figures come with CPU-time figures (user + system of the
 * process doing the work), and subjects alternate round by round.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { recordCassette } from "./replay/cassette.js";
import { bareNodeFirstByte, openEmitWire } from "./replay/cli.js";
import { cliBuildOf, here, subject, type Subject } from "./replay/subject.js";
import { writeSyntheticTranscript } from "./replay/synthetic-transcript.js";
import { parseAndStringify } from "./replay/baseline.js";
import { transform, type TransformResult } from "./replay/transform.js";
import { table, verdict } from "./runner/table.js";

const { values } = parseArgs({ options: { mb: { type: "string", default: "200" }, rounds: { type: "string", default: "3" }, against: { type: "string" } } });
const bigMb = Number(values.mb);
const rounds = Math.max(1, Number(values.rounds));
const mib = 1024 * 1024;
const smallMb = 20;
const work = mkdtempSync(join(tmpdir(), "escapement-bench-replay-"));
const subjects: Subject[] = [...(values.against ? [subject("before", values.against)] : []), subject(values.against ? "after" : "this", here)];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Each round runs every subject, in turn order rotated so neither always goes first. */
async function alternate<T>(run: (subject: Subject) => Promise<T>): Promise<Map<Subject, T[]>> {
  const results = new Map<Subject, T[]>(subjects.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...subjects].reverse() : subjects;
    for (const s of order) results.get(s)!.push(await run(s));
  }
  return results;
}

async function sessionDir(name: string, megabytes: number): Promise<{ dir: string; rows: number; bytes: number }> {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "session.json"), JSON.stringify({ sessionId: name, chartId: "bench", chartModule: "", createdAt: 0, status: "done" }));
  const { rows } = await writeSyntheticTranscript(join(dir, "transcript.jsonl"), megabytes * mib);
  return { dir, rows, bytes: statSync(join(dir, "transcript.jsonl")).size };
}

try {
  console.log(
    `replay bench: node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}, transcripts ${smallMb} and ${bigMb} MiB (mostly llm/delta into live conversations), median of ${rounds}`,
  );
  const builds = await Promise.all(subjects.map(cliBuildOf));
  console.log(`subjects: ${subjects.map((s, index) => `${s.name} = ${s.root} (${builds[index]})`).join(", ")}\n`);
  const small = await sessionDir("small", smallMb);
  const big = await sessionDir("big", bigMb);
  const transcript = (dir: string) => join(dir, "transcript.jsonl");

  // Warm up each subject's modules and JIT (and the baseline's) on the small transcript, then
  // measure the big one: the baseline and the subjects in turns, round by round.
  await alternate((s) => transform(s, transcript(small.dir)));
  await parseAndStringify(transcript(small.dir));
  const baselines: TransformResult[] = [];
  const inProcess = await alternate(async (s) => {
    if (s === subjects[0]) baselines.push(await parseAndStringify(transcript(big.dir)));
    return transform(s, transcript(big.dir));
  });
  const batches = await alternate((s) => transform(s, transcript(big.dir), "batches"));
  const perFrame = await alternate((s) => transform(s, transcript(big.dir), "per-frame"));
  const cliSmall = await alternate((s) => openEmitWire(s, small.dir));
  const bareNode: number[] = [];
  const cliBig = await alternate(async (s) => {
    if (s === subjects[0]) bareNode.push(await bareNodeFirstByte());
    return openEmitWire(s, big.dir);
  });
  const cassettes = new Map<Subject, Awaited<ReturnType<typeof recordCassette>>>();
  for (const s of subjects) cassettes.set(s, await recordCassette(s, work));
  const replays = await alternate((s) => cassettes.get(s)!.replay());

  const mbps = (r: TransformResult) => big.bytes / 1e6 / r.seconds;
  const cpuMbps = (r: TransformResult) => big.bytes / 1e6 / r.cpuSeconds;
  const m = <T>(results: Map<Subject, T[]>, s: Subject, f: (r: T) => number) => median(results.get(s)!.map(f));
  const cell = (format: (s: Subject) => string) => subjects.map(format).join(" -> ");
  const last = subjects.at(-1)!;

  const baseline = median(baselines.map(mbps));
  const baselineCpu = median(baselines.map(cpuMbps));
  const ratio = m(inProcess, last, mbps) / baseline;
  const firstFrame = m(inProcess, last, (r) => r.firstFrameMs);
  const cliFirst = m(cliBig, last, (r) => r.firstFrameMs);
  const rssSmall = m(cliSmall, last, (r) => r.peakRss);
  const rssBig = m(cliBig, last, (r) => r.peakRss);
  const replayMs = m(replays, last, (r) => r.replayMs);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

  const rows: string[][] = [
    [
      "baseline: JSON.parse + JSON.stringify",
      `${baseline.toFixed(1)} MB/s`,
      `every line, same reader, same transcript, in turns with the subjects; CPU ${baselineCpu.toFixed(1)} MB/s`,
      "(info)",
      "",
    ],
    [
      "transcript -> wire JSONL (wall)",
      cell((s) => `${m(inProcess, s, mbps).toFixed(1)} MB/s`),
      `${batches.get(last)![0]!.frames.toLocaleString("en-US")} frames from ${big.rows.toLocaleString("en-US")} rows, API: ${cell((s) => inProcess.get(s)![0]!.api)}`,
      "(info)",
      "",
    ],
    [
      "  ratio to the baseline (wall)",
      cell((s) => `${(m(inProcess, s, mbps) / baseline).toFixed(2)}x`),
      `CPU time: ${cell((s) => `${(m(inProcess, s, cpuMbps) / baselineCpu).toFixed(2)}x`)}`,
      ">= 5x",
      verdict(ratio >= 5),
    ],
    ["  same, CPU time", cell((s) => `${m(inProcess, s, cpuMbps).toFixed(1)} MB/s`), "bytes / (user + system) of this process", "", ""],
    [
      "  a line object per frame (transcriptToWireBatches)",
      cell((s) => `${m(batches, s, mbps).toFixed(1)} MB/s`),
      `${cell((s) => `${(m(batches, s, mbps) / baseline).toFixed(2)}x`)} the baseline; CPU ${cell((s) => `${m(batches, s, cpuMbps).toFixed(1)}`)} MB/s`,
      "(info)",
      "",
    ],
    [
      "  one frame at a time (transcriptToWire)",
      cell((s) => `${m(perFrame, s, mbps).toFixed(1)} MB/s`),
      `${cell((s) => `${(m(perFrame, s, mbps) / baseline).toFixed(2)}x`)} the baseline; CPU ${cell((s) => `${m(perFrame, s, cpuMbps).toFixed(1)}`)} MB/s`,
      "(info)",
      "",
    ],
    [
      "time to first frame, in process",
      cell((s) => `${m(inProcess, s, (r) => r.firstFrameMs).toFixed(1)} ms`),
      `on ${bigMb} MiB`,
      "<= 100 ms",
      verdict(firstFrame <= 100),
    ],
    [
      "time to first frame, open --emit-wire",
      cell((s) => `${m(cliBig, s, (r) => r.firstFrameMs).toFixed(0)} ms`),
      `child process, incl. its start; whole file ${cell((s) => `${m(cliBig, s, (r) => r.totalMs).toFixed(0)}`)} ms`,
      "<= 100 ms",
      verdict(cliFirst <= 100),
    ],
    [
      "  baseline: bare node, spawn to first byte",
      `${median(bareNode).toFixed(0)} ms`,
      `in turns with the CLI; the CLI's own share of its first frame: ${cell((s) => `${(m(cliBig, s, (r) => r.firstFrameMs) - median(bareNode)).toFixed(0)}`)} ms`,
      "(info)",
      "",
    ],
    [
      "peak RSS of open --emit-wire",
      cell((s) => `${mb(m(cliSmall, s, (r) => r.peakRss))} / ${mb(m(cliBig, s, (r) => r.peakRss))}`),
      `child VmHWM, ${smallMb} MiB / ${bigMb} MiB transcript`,
      "flat, <= 150 MB",
      verdict(rssBig > 0 && rssBig <= 150e6 && rssBig - rssSmall < 30e6),
    ],
    [
      "strict cassette replay",
      cell((s) => `${m(replays, s, (r) => r.replayMs).toFixed(0)} ms`),
      `${replays.get(last)![0]!.turns} turns; CPU ${cell((s) => `${m(replays, s, (r) => r.replayCpuMs).toFixed(0)}`)} ms; recording ${cell((s) => `${cassettes.get(s)!.recordMs.toFixed(0)}`)} ms`,
      "<= 1 s",
      verdict(replayMs <= 1000),
    ],
  ];
  console.log(table(["measure", subjects.map((s) => s.name).join(" -> "), "detail", "target", ""], rows));
} finally {
  rmSync(work, { recursive: true, force: true });
}
