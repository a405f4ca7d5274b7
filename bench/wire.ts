/**
 * Wire throughput: validate + encode of a realistic core -> renderer frame mix on one core,
 * beside its baseline, `JSON.stringify` of the same frames, measured in turns in the same run
 * (each measure a slice of time per round, rounds rotated, medians); every figure is printed with
 * its ratio to the baseline. Mix (by frame count): ~85% llm/delta events, the rest llm/response
 * and runner/event-processed events, phase frames and prompt frames. The absolute target (>=
 * 200,000 frames/s validate + encode) is printed for information: it moves with the machine.
 *
 * Then blob throughput: a 64 MiB artifact read with `read-blob` over loopback, through the real
 * wire server and a real WebSocket client that validates every frame and decodes the chunks.
 * Target: >= 100 MB/s (10^6 bytes), the median of 5 reads after a warm-up read.
 *
 * Then AG-UI encoding (`run --ag-ui`): the same rows as public events, mapped to AG-UI events and
 * framed as server-sent events by `@ag-ui/encoder`, in AG-UI events/s (figures, no target).
 */
import { createFrameSequencer, decodeOutbound, encodeFrame, snippet, validateFrame, type OutboundFrame, type TranscriptRow } from "@escapement/wire-schema";
import { measureBlobThroughput } from "./wire/blob-throughput.js";
import { measureAgUiThroughput } from "./wire/ag-ui-throughput.js";

const TARGET = 200_000;
const BLOB_TARGET_MB_PER_SEC = 100;
const BLOB_BYTES = 64 * 1024 * 1024;
const BLOB_ROUNDS = 5;
const FRAMES = 20_000;
const RUN_MS = 1500;
const ROUNDS = 5;
const BASELINE = "JSON.stringify (baseline)";

const words = "the chart decides what happens next while the model streams tokens into the pane".split(" ");
const deltaText = (i: number): string => `${words[i % words.length]} ${words[(i * 7) % words.length]}`;

/** Rows of a long run: per cycle one state change, one model turn of 20 deltas, sometimes a prompt. */
const rows = function* (): Generator<Omit<TranscriptRow, "seq">> {
  const ts = 1_760_000_000_000;
  yield { ts, event: "runner/start-config", data: { config: ["flow", "flow.draft"] } };
  for (let cycle = 0; ; cycle++) {
    const invokeId = `draft-${cycle}`;
    const state = cycle % 2 === 0 ? "flow.draft" : "flow.review";
    const other = cycle % 2 === 0 ? "flow.review" : "flow.draft";
    yield {
      ts,
      event: "runner/event-processed",
      data: { event: "NEXT", before: ["flow", other], after: ["flow", state], entered: [state], exited: [other] },
    };
    for (let i = 0; i < 20; i++) {
      yield { ts, event: "llm/delta", data: { invokeId, turn: 1, kind: "text", text: deltaText(i + cycle) } };
    }
    yield {
      ts,
      event: "llm/response",
      data: {
        invokeId,
        stateId: state,
        turn: 1,
        target: "anthropic:claude-sonnet-4-5",
        stopReason: "end_turn",
        usage: { input: 1200, output: 310, cacheRead: 800, cacheWrite: 0 },
        elapsedMs: 2310,
        ttftMs: 420,
        tokensPerSec: 163.2,
        costUsd: 0.0081,
        ref: `io/${invokeId}-1.response.json`,
        snippet: snippet(words.join(" ")),
      },
    };
    if (cycle % 4 === 0) {
      yield {
        ts,
        event: "human-input/requested",
        data: {
          promptId: `p-${cycle}`,
          invokeId: `ask-${cycle}`,
          kind: "select",
          message: "Ship this draft?",
          options: [
            { value: "yes", label: "Ship it" },
            { value: "no", label: "Revise" },
          ],
          default: "yes",
          schema: { type: "string", enum: ["yes", "no"] },
        },
      };
    }
  }
};

const buildMix = (count: number): OutboundFrame[] => {
  const sequencer = createFrameSequencer();
  const frames: OutboundFrame[] = [];
  let seq = 0;
  for (const row of rows()) {
    // Only frames of the mix are kept; prompt rows contribute their derived prompt frame.
    for (const frame of sequencer.push({ ...row, seq: ++seq })) {
      if (frame.kind === "event" && frame.row.event === "human-input/requested") continue;
      frames.push(frame);
    }
    if (frames.length >= count) return frames.slice(0, count);
  }
  return frames;
};

interface Work {
  label: string;
  items: readonly unknown[];
  work: (item: never) => unknown;
}

/**
 * Frames/s of each work, measured in turns: every round gives each work a slice of `RUN_MS /
 * ROUNDS` (the order rotated round by round, so none always runs first under the same load), and
 * each work's figure is the median of its rounds.
 */
const measureInTurns = (works: readonly Work[]): Map<string, number> => {
  let sink = 0;
  const once = ({ items, work }: Work): void => {
    for (const item of items) if (work(item as never)) sink++;
  };
  for (const work of works) once(work); // warm-up: compiles validators, lets V8 optimise
  const rates = new Map<string, number[]>(works.map((work) => [work.label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = works.map((_, index) => works[(index + round) % works.length]!);
    for (const work of order) {
      let done = 0;
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < RUN_MS / ROUNDS) {
        once(work);
        done += work.items.length;
        elapsed = performance.now() - start;
      }
      rates.get(work.label)!.push((done / elapsed) * 1000);
    }
  }
  if (sink === 0) throw new Error("benchmark optimised away");
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  return new Map([...rates].map(([label, values]) => [label, median(values)]));
};

const frames = buildMix(FRAMES);
const texts = frames.map(encodeFrame);
const bytes = texts.reduce((sum, text) => sum + text.length, 0);
const share = (test: (f: OutboundFrame) => boolean): string => `${((frames.filter(test).length / frames.length) * 100).toFixed(1)}%`;

for (const frame of frames) {
  const result = validateFrame(frame, { direction: "outbound" });
  if (!result.ok) throw new Error(`bench frame invalid: ${result.error.message}`);
}

console.log(`wire bench: ${frames.length} frames, mean ${Math.round(bytes / frames.length)} bytes, node ${process.version}`);
console.log(
  `mix: llm/delta ${share((f) => f.kind === "event" && f.row.event === "llm/delta")}, ` +
    `llm/response ${share((f) => f.kind === "event" && f.row.event === "llm/response")}, ` +
    `runner/event-processed ${share((f) => f.kind === "event" && f.row.event === "runner/event-processed")}, ` +
    `phase ${share((f) => f.kind === "phase")}, prompt ${share((f) => f.kind === "prompt")}`,
);
const rates = measureInTurns([
  { label: BASELINE, items: frames, work: (f: OutboundFrame) => JSON.stringify(f).length },
  { label: "encode only", items: frames, work: (f: OutboundFrame) => encodeFrame(f).length },
  { label: "validate only", items: frames, work: (f: OutboundFrame) => validateFrame(f, { direction: "outbound" }).ok },
  { label: "decode (parse + validate)", items: texts, work: (t: string) => decodeOutbound(t).ok },
  { label: "validate + encode", items: frames, work: (f: OutboundFrame) => (validateFrame(f, { direction: "outbound" }).ok ? encodeFrame(f).length : 0) },
]);
const baseline = rates.get(BASELINE)!;
for (const [label, rate] of rates) {
  console.log(
    `${label.padEnd(28)} ${Math.round(rate).toLocaleString("en-US").padStart(11)} frames/s  ${(rate / baseline).toFixed(2).padStart(5)}x the baseline`,
  );
}
const rate = rates.get("validate + encode")!;
const ratio = rate / TARGET;
console.log(
  `validate + encode: ${Math.round(rate).toLocaleString("en-US")} frames/s = ${(rate / baseline).toFixed(2)}x JSON.stringify of the same frames ` +
    `(${Math.round(baseline).toLocaleString("en-US")} frames/s, same run); ${ratio.toFixed(2)}x the absolute figure of ` +
    `${TARGET.toLocaleString("en-US")} frames/s (${ratio >= 1 ? "PASS" : "FAIL"}, for information)`,
);

const agUiRows: TranscriptRow[] = [];
for (const row of rows()) if (agUiRows.push({ ...row, seq: agUiRows.length + 1 }) >= FRAMES) break;
const agUi = measureAgUiThroughput(agUiRows, RUN_MS);
console.log(
  `ag-ui: ${agUi.publicEvents.toLocaleString("en-US")} public events -> ${agUi.agUiEvents.toLocaleString("en-US")} AG-UI events, ` +
    `mean ${Math.round(agUi.meanBytes)} bytes as server-sent events`,
);
console.log(`${"ag-ui encode (SSE)".padEnd(28)} ${Math.round(agUi.encodePerSec).toLocaleString("en-US").padStart(11)} events/s`);
console.log(`${"ag-ui map + encode".padEnd(28)} ${Math.round(agUi.mapEncodePerSec).toLocaleString("en-US").padStart(11)} events/s`);

const blob = await measureBlobThroughput(BLOB_BYTES, BLOB_ROUNDS);
const blobRatio = blob.mbPerSec / BLOB_TARGET_MB_PER_SEC;
const msList = (values: readonly number[]): string => values.map((ms) => Math.round(ms)).join(", ");
console.log(`blob reads of ${blob.blobBytes / 2 ** 20} MiB over loopback: wall ms ${msList(blob.readsMs)}; CPU ms ${msList(blob.cpuMs)}`);
console.log(`blob per CPU second (server and client in this process): ${Math.round(blob.mbPerCpuSec).toLocaleString("en-US")} MB`);
console.log(
  `blob throughput: ${Math.round(blob.mbPerSec).toLocaleString("en-US")} MB/s = ${blobRatio.toFixed(2)}x the target of ` +
    `${BLOB_TARGET_MB_PER_SEC} MB/s (${blobRatio >= 1 ? "PASS" : "FAIL"})`,
);
