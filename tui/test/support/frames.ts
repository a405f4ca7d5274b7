/** Wire frames for tests, built the way the core builds them and validated like the transport does. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createFrameSequencer, decodeOutbound, helloFrame, validateFrame, type OutboundFrame, type TranscriptRow } from "@escapement/wire-schema";

export const SAMPLE_PATH = fileURLToPath(new URL("../../../scripts/sample.wire.jsonl", import.meta.url));

/** The frames of the sample replay file, decoded. */
export const sampleFrames = (): OutboundFrame[] =>
  readFileSync(SAMPLE_PATH, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const result = decodeOutbound(line);
      if (!result.ok) throw new Error(result.error.message);
      return result.frame;
    });

const checked = (frame: OutboundFrame): OutboundFrame => {
  const result = validateFrame(frame, { direction: "outbound" });
  if (!result.ok) throw new Error(`test frame is invalid: ${result.error.message}`);
  return frame;
};

export const T0 = 1_760_000_000_000;

/**
 * A scripted run: `row(event, data, dt)` adds a transcript row `dt` ms after the previous one and
 * returns the stream frames the core would send for it (event frame plus any derived frame).
 */
export const scriptedRun = (ids = { sessionId: "s-1", runId: "run-1", chartId: "demo" }, replay = false) => {
  const sequencer = createFrameSequencer();
  let ts = T0;
  let rowSeq = 0;
  return {
    hello: (): OutboundFrame => checked(helloFrame({ ...ids, replay }, sequencer.state.seq)),
    row(event: string, data: unknown, dt = 10): OutboundFrame[] {
      ts += dt;
      rowSeq += 1;
      const row: TranscriptRow = { seq: rowSeq, ts, event, data };
      return sequencer.push(row).map(checked);
    },
    snapshot: (): OutboundFrame => checked(sequencer.snapshot()),
    get ts() {
      return ts;
    },
  };
};

const request = (invokeId: string, turn: number, model = "smart") => ({
  invokeId,
  stateId: `demo.${invokeId}`,
  turn,
  model,
  messageCount: turn,
  tools: [],
  ref: `io/${invokeId}/${turn}.request.json`,
  snippet: `request ${turn}`,
});

const response = (invokeId: string, turn: number, output: number, extra: Record<string, unknown> = {}) => ({
  invokeId,
  stateId: `demo.${invokeId}`,
  turn,
  target: "anthropic:claude-sonnet-4-5",
  stopReason: "end_turn",
  usage: { input: 100, output, cacheRead: 0, cacheWrite: 0 },
  elapsedMs: 1000,
  ref: `io/${invokeId}/${turn}.response.json`,
  snippet: `response ${turn}`,
  ...extra,
});

export const data = {
  started: (invokeId: string, model = "smart") => ({ invokeId, stateId: `demo.${invokeId}`, model }),
  request,
  delta: (invokeId: string, turn: number, text: string, kind: "text" | "thinking" = "text") => ({ invokeId, turn, kind, text }),
  response,
  ended: (invokeId: string, reason = "exit") => ({ invokeId, stateId: `demo.${invokeId}`, reason }),
};

/** The same frames as a live run: hello without the replay flag, with the answer and control capabilities. */
export const asLive = (frames: OutboundFrame[]): OutboundFrame[] =>
  frames.map((f) =>
    f.kind === "hello" ? { ...f, replay: false, heartbeatMs: 5000, capabilities: ["resume", "snapshot", "answer", "control", "coalesce-deltas"] } : f,
  );
