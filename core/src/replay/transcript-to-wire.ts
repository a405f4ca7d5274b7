import { readLineBatches, readLinePieces } from "../runtime/read-lines.js";
import { isTranscriptRow } from "../runtime/transcript-reader.js";
import { encodeFrame, helloFrame, PROTOCOL_MAJOR, type OutboundFrame } from "@escapement/wire-schema/frames";
import type { TranscriptRow } from "@escapement/wire-schema/runtime";
import { tsOfPlainRowLine } from "./plain-row-ts.js";
import type { ReplaySequencer } from "./replay-sequencer.js";

export interface WireLine {
  /** One encoded frame (no newline). */
  text: string;
  frame: OutboundFrame;
  /** Recorded time of the transcript row this frame comes from (hello: the first row's). */
  ts: number;
}

export interface TranscriptToWireOptions {
  /** A line that is not a transcript row (torn, not JSON, wrong shape): skipped, reported here. */
  onSkip?: (line: number, reason: string) => void;
}

/**
 * What folds the rows into frames once the `hello` is out: the sequencer, which brings the wire's
 * validators (a few hundred KB of generated code), and the line matchers. Loaded then, not with
 * this module, so a replay's first frame waits for none of it; later calls find them loaded.
 */
async function loadFold() {
  const [lines, { createReplaySequencer }] = await Promise.all([import("./plain-row-line.js"), import("./replay-sequencer.js")]);
  return { ...lines, sequencer: createReplaySequencer() };
}
type Fold = Awaited<ReturnType<typeof loadFold>>;

const nonEmpty = (value: unknown): value is string => typeof value === "string" && value.length > 0;

/**
 * The run ids of a `runner/started` row's data when that data is valid (`sessionId`, `runId`,
 * `chartId` non-empty, `resumed` a boolean, `parentSessionId` absent or non-empty), as
 * `replayFrames` decides it; a test holds this to the schema. Checked by hand so the `hello`
 * leaves before the validators are compiled.
 */
export const runStartedIds = (data: unknown): { sessionId: string; runId: string; chartId: string } | undefined => {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const { sessionId, runId, chartId, resumed, parentSessionId } = data as Record<string, unknown>;
  if (!nonEmpty(sessionId) || !nonEmpty(runId) || !nonEmpty(chartId) || typeof resumed !== "boolean") return undefined;
  if (parentSessionId !== undefined && !nonEmpty(parentSessionId)) return undefined;
  return { sessionId, runId, chartId };
};

/** `hello` (replay: true) with the ids of the first row when it is a valid runner/started, as `replayFrames` has it. */
function helloFor(first: TranscriptRow | undefined): WireLine {
  const ids = first?.event === "runner/started" ? runStartedIds(first.data) : undefined;
  const frame = helloFrame({
    sessionId: ids?.sessionId ?? "unknown",
    runId: ids?.runId ?? "unknown",
    chartId: ids?.chartId ?? "unknown",
    replay: true,
  });
  return { text: encodeFrame(frame), frame, ts: first?.ts ?? 0 };
}

/** The text of a row's event frame: the row's own line spliced in (the row *is* the frame's payload, so it is never encoded again). */
const eventText = (seq: number, line: string): string => `{"v":1,"kind":"event","seq":${seq},"row":${line}}`;

/**
 * The wire line of a row's `event` frame. The frame object and the time, which few readers want,
 * come from the line when asked, unless the row was parsed anyway.
 */
class EventLine implements WireLine {
  readonly text: string;
  readonly #seq: number;
  readonly #line: string;
  #row: TranscriptRow | undefined;
  #ts: number | undefined;

  constructor(seq: number, line: string, row: TranscriptRow | undefined) {
    this.text = eventText(seq, line);
    this.#seq = seq;
    this.#line = line;
    this.#row = row;
    this.#ts = row?.ts;
  }

  get frame(): OutboundFrame {
    return { v: PROTOCOL_MAJOR, kind: "event", seq: this.#seq, row: (this.#row ??= JSON.parse(this.#line) as TranscriptRow) };
  }

  get ts(): number {
    return (this.#ts ??= tsOfPlainRowLine(this.#line));
  }
}

/** The row on a line that is not blank, or undefined when it is none (reported to `onSkip`). */
function parsedRow(text: string, lineNo: number, onSkip: TranscriptToWireOptions["onSkip"]): TranscriptRow | undefined {
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch {
    onSkip?.(lineNo, "not JSON (a torn line?)");
    return undefined;
  }
  if (isTranscriptRow(row)) return row;
  onSkip?.(lineNo, "not a transcript row");
  return undefined;
}

/*
 * Both outputs below make the same frames the same way; each keeps its own loop, since a replay
 * of a long transcript spends its time in that loop, and a callback per line costs as much as
 * the rest of the work.
 *
 * Most rows are not parsed: a line `isPlainRowLine` vouches for (a row as the writer writes it, of
 * an event that derives no frame) goes into its event frame as it is, taking the next seq; so does
 * an `event-processed` row that `isUnmovedEventLine` finds moved nothing. The
 * others (the rows that move the chart, prompts, debug, the end, and any line written otherwise)
 * are parsed, skipped when they are not rows, and go through the sequencer; the first row too,
 * for the `hello`, which leaves on its own before the validators are even loaded (`loadFold`).
 */

/**
 * Streams a transcript into the wire frames a live renderer would have received, in batches (one
 * per chunk read; the `hello` alone first): `hello` (replay: true), then each row's frames. Memory
 * stays flat whatever the size, and the first frame leaves before the file is fully read. The
 * frames are those of the frames-only sequencer (a replay never asks for a snapshot), which gives
 * the frames of the pure `framesFromRow` fold; so they equal `replayFrames`.
 */
export async function* transcriptToWireBatches(path: string, options: TranscriptToWireOptions = {}): AsyncGenerator<WireLine[]> {
  const onSkip = options.onSkip;
  let fold: Fold | undefined;
  let lineNo = 0;
  for await (const lines of readLineBatches(path)) {
    const batch: WireLine[] = [];
    for (const text of lines) {
      lineNo++;
      if (text.length === 0) continue;
      if (fold && (fold.isPlainRowLine(text) || fold.isUnmovedEventLine(text, fold.sequencer.phaseText()))) {
        batch.push(new EventLine(fold.sequencer.next(), text, undefined));
        continue;
      }
      const row = parsedRow(text, lineNo, onSkip);
      if (row === undefined) continue;
      if (!fold) {
        yield [helloFor(row)];
        fold = await loadFold();
      }
      for (const frame of fold.sequencer.push(row)) {
        batch.push(frame.kind === "event" ? new EventLine(frame.seq, text, row) : { text: encodeFrame(frame), frame, ts: row.ts });
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (!fold) yield [helloFor(undefined)];
}

/** The wire JSONL of a parsed row's frames. */
function framesText(sequencer: ReplaySequencer, row: TranscriptRow, line: string): string {
  let out = "";
  for (const frame of sequencer.push(row)) out += `${frame.kind === "event" ? eventText(frame.seq, line) : encodeFrame(frame)}\n`;
  return out;
}

/**
 * The wire JSONL of `transcriptToWireBatches` (each frame's text and a newline), one string per
 * piece of the file read: what `open --emit-wire` writes, built without a line object per frame.
 * It reads the file's text as it comes (`readLinePieces`) rather than line by line: a run of lines
 * `isPlainRowLine` vouches for is found by one match (`plainRunEnd`), and every other line is
 * taken as `readLineBatches` would give it.
 */
export async function* transcriptToWireText(path: string, options: TranscriptToWireOptions = {}): AsyncGenerator<string> {
  const onSkip = options.onSkip;
  let fold: Fold | undefined;
  let lineNo = 0;
  for await (const piece of readLinePieces(path)) {
    // The piece's frames as pieces joined once: one flat string, not a rope of a piece per line.
    const out: string[] = [];
    let at = 0;
    while (at < piece.length) {
      if (fold) {
        const run = fold.plainRunEnd(piece, at);
        while (at < run) {
          const end = piece.indexOf("\n", at);
          lineNo++;
          out.push(`{"v":1,"kind":"event","seq":${fold.sequencer.next()},"row":${piece.slice(at, end)}}\n`);
          at = end + 1;
        }
      }
      if (at >= piece.length) break;
      // One line as `readLineBatches` gives it: up to its "\n" (or the end), a "\r" before that dropped.
      let end = piece.indexOf("\n", at);
      if (end === -1) end = piece.length;
      let text = piece.slice(at, end);
      at = end + 1;
      if (text.charCodeAt(text.length - 1) === CR) text = text.slice(0, -1);
      lineNo++;
      if (text.length === 0) continue;
      if (fold && (fold.isPlainRowLine(text) || fold.isUnmovedEventLine(text, fold.sequencer.phaseText()))) {
        out.push(`{"v":1,"kind":"event","seq":${fold.sequencer.next()},"row":${text}}\n`);
        continue;
      }
      const row = parsedRow(text, lineNo, onSkip);
      if (row === undefined) continue;
      if (!fold) {
        yield `${helloFor(row).text}\n`;
        fold = await loadFold();
      }
      out.push(framesText(fold.sequencer, row, text));
    }
    if (out.length > 0) yield out.join("");
  }
  if (!fold) yield `${helloFor(undefined).text}\n`;
}

const CR = 13;

/** `transcriptToWireBatches`, one frame at a time. */
export async function* transcriptToWire(path: string, options: TranscriptToWireOptions = {}): AsyncGenerator<WireLine> {
  for await (const batch of transcriptToWireBatches(path, options)) {
    for (const line of batch) yield line;
  }
}
