/**
 * One session's transcript, written through a store's writer the way a run writes it: the runtime's
 * `TranscriptWriter` (llm/delta rows joined per flush, as `deltaRows` says) over the writer's
 * transcript sink, and a checkpoint through the runtime's `CheckpointStore` after each flush that
 * recorded a chart event, as the runner does.
 *
 * A turn: the `llm/request` row, flushed and durable before the model call starts (the runner
 * waits for that); then the streamed answer, one `llm/delta` row per flush window (the writer
 * flushes streamed rows on its own and does not wait for them); then `llm/response` and
 * `runner/event-processed` with their checkpoint, durable before the next effect starts.
 */
import { CheckpointStore } from "../../core/src/runtime/checkpoint-store.js";
import { systemClock } from "../../core/src/runtime/clock.js";
import { deltaRows } from "../../core/src/runtime/delta-rows.js";
import { afterDurable, type Durable } from "../../core/src/runtime/durable.js";
import { TranscriptWriter } from "../../core/src/runtime/transcript-writer.js";
import type { SessionWriter } from "../../core/src/store/index.js";

export interface StreamedRunShape {
  /** Model turns in the run. */
  turns: number;
  /** Flush windows a streamed answer spans: each becomes one `llm/delta` row. */
  windows: number;
  /** Token fragments joined into each window's row. */
  fragments: number;
}

/** A turn's rows: the request, one delta row per window, the response and the chart event. */
export const rowsPerTurn = (shape: StreamedRunShape): number => shape.windows + 3;

/** The next turn of the event loop: time passing while the provider streams. */
const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const wait = async (ack: Durable): Promise<void> => {
  if (ack) await ack;
};

/** Writes the run's rows; resolves once every one of them (and each checkpoint) is durable. Returns the rows written. */
export async function streamedRun(writer: SessionWriter, shape: StreamedRunShape): Promise<number> {
  let dirty = false;
  const checkpoints = new CheckpointStore(writer.checkpoints);
  const transcript = new TranscriptWriter(writer.transcript, {
    clock: systemClock,
    streamRows: deltaRows,
    afterWrite: (seq, offset) => {
      if (!dirty) return;
      dirty = false;
      checkpoints.write({ seq, offset, ts: systemClock.now(), state: { status: "active", value: "work", context: { turn: seq } }, timers: [] });
    },
    onError: (error) => {
      throw error;
    },
  });
  // What the runner waits on before an effect: the flushed rows, then what was written after them (their checkpoint).
  const durable = (): Promise<void> => wait(afterDurable(transcript.durable(), () => writer.durable()));
  const invokeId = `agent-${writer.sessionId}`;
  transcript.append("runner/started", { sessionId: writer.sessionId, runId: `run-${writer.sessionId}`, chartId: "bench", resumed: false });
  for (let turn = 1; turn <= shape.turns; turn++) {
    transcript.append("llm/request", {
      invokeId,
      stateId: "work",
      turn,
      model: "default",
      messageCount: 1 + 2 * turn,
      tools: ["fs_read", "shell"],
      ref: `io.jsonl#offset=${turn * 4096}&length=2048`,
      snippet: "Summarize the next chapter of the manual.",
    });
    transcript.flush();
    await durable();
    for (let window = 0; window < shape.windows; window++) {
      for (let fragment = 0; fragment < shape.fragments; fragment++) {
        transcript.append("llm/delta", { invokeId, turn, kind: window === 0 ? "thinking" : "text", text: "token " });
      }
      // The writer's stream timer firing: the window's row goes to the store, nobody waits for it.
      transcript.flush();
      await nextTick();
    }
    transcript.append("llm/response", {
      invokeId,
      stateId: "work",
      turn,
      target: "anthropic:claude",
      stopReason: "end_turn",
      usage: { input: 900 + turn * 120, output: shape.windows * shape.fragments, cacheRead: 800, cacheWrite: 0 },
      elapsedMs: 450,
      ttftMs: 200,
      ref: `io.jsonl#offset=${turn * 4096 + 2048}&length=2048`,
      snippet: "token token token",
    });
    transcript.append("runner/event-processed", { event: "llm.idle", before: ["work"], after: ["work"], entered: [], exited: [] });
    dirty = true;
    transcript.flush();
    await durable();
  }
  transcript.close();
  await durable();
  return transcript.lastSeq;
}
