/** Replay: transcript rows -> the frames a renderer would have received live (plus hello). */
import { helloFrame, type HelloInfo } from "./connection-frames.js";
import { validateEventData } from "./validate.js";
import type { OutboundFrame } from "./frames-outbound.js";
import { framesFromRow, initialSequencerState, type SequencerState } from "./sequencer.js";
import type { TranscriptRow } from "./transcript-row.js";

export type ReplayOptions = Partial<Omit<HelloInfo, "replay">>;

/** Ids for `hello`: the options, else the first row when it is runner/started, else "unknown". */
const helloFor = (first: TranscriptRow | undefined, options: ReplayOptions) => {
  const started = first?.event === "runner/started" ? validateEventData("runner/started", first.data) : undefined;
  const run = started?.ok ? started.data : undefined;
  return helloFrame({
    ...options,
    sessionId: options.sessionId ?? run?.sessionId ?? "unknown",
    runId: options.runId ?? run?.runId ?? "unknown",
    chartId: options.chartId ?? run?.chartId ?? "unknown",
    replay: true,
  });
};

/** The frames of each row in turn, `hello` before the first; `end()` gives the `hello` of an empty transcript. */
function replayStepper(options: ReplayOptions) {
  let state: SequencerState = initialSequencerState;
  let first = true;
  return {
    frames(row: TranscriptRow): OutboundFrame[] {
      const step = framesFromRow(row, state);
      state = step.state;
      if (!first) return step.frames;
      first = false;
      return [helloFor(row, options), ...step.frames];
    },
    end: (): OutboundFrame[] => (first ? [helloFor(undefined, options)] : []),
  };
}

/** `hello` (replay: true), then every row's stream frames. Streams: memory does not grow with input. */
export function* replayFrames(rows: Iterable<TranscriptRow>, options: ReplayOptions = {}): Generator<OutboundFrame> {
  const stepper = replayStepper(options);
  for (const row of rows) yield* stepper.frames(row);
  yield* stepper.end();
}

/** `replayFrames` over an async source such as a line reader. */
export async function* replayFramesAsync(rows: AsyncIterable<TranscriptRow>, options: ReplayOptions = {}): AsyncGenerator<OutboundFrame> {
  const stepper = replayStepper(options);
  for await (const row of rows) yield* stepper.frames(row);
  yield* stepper.end();
}
