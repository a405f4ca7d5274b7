/**
 * The cassette middleware (`recordReplay`) on an application's own `streamText` calls:
 * - record: each call goes to the local server and is written to a cassette, beside the bare model
 *   on the same server (batches of concurrent calls, the two modes alternating after a warm-up).
 * - replay: `calls` recorded calls (each a different prompt) answered from the cassette, one after
 *   another as a test suite makes them, reading every stream to its end; the cassette's load is in
 *   the time. No request reaches the server.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { streamText, wrapLanguageModel, type LanguageModel } from "ai";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { loadCassette, recordReplay } from "../../core/src/index.js";
import { streamPartsOf, type TimedPart } from "../../core/src/llm/record-replay/ai-sdk-response.js";
import { instantStream } from "../../core/src/llm/record-replay/replay-stream.js";
import { SYSTEM } from "./turns.js";

export interface CassetteBench {
  /** Median batch wall time per call, bare model and recording. */
  bareMsPerCall: number;
  recordMsPerCall: number;
  /** Median wall time of replaying `calls` calls. */
  replayMs: number;
  /** Median wall time of the same calls on a model that streams the recorded parts at once, no middleware: `streamText`'s own share. */
  floorMs: number;
  replayCalls: number;
  cassetteBytes: number;
}

const MODEL_ID = "claude-sonnet-4-5";

/** One streamed call read to its end; returns its text's length. */
async function call(model: LanguageModel, prompt: string): Promise<number> {
  const result = streamText({ model, system: SYSTEM, prompt, maxRetries: 0 });
  let chars = 0;
  for await (const part of result.fullStream) {
    if (part.type === "text-delta") chars += part.text.length;
    else if (part.type === "error") throw part.error;
  }
  return chars;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function measureCassette(options: {
  url: string;
  chars: number;
  dir: string;
  turns: number;
  rounds: number;
  warmup: number;
  calls: number;
}): Promise<CassetteBench> {
  const bare = createAnthropic({ baseURL: `${options.url}/v1`, apiKey: "sk-bench" }).messages(MODEL_ID);
  const recordPath = join(options.dir, "record.jsonl");
  const recording = wrapLanguageModel({ model: bare, middleware: recordReplay({ path: recordPath, mode: "record", env: {} }) });
  let prompts = 0;
  const batch = async (model: LanguageModel): Promise<number> => {
    const started = performance.now();
    const lengths = await Promise.all(Array.from({ length: options.turns }, () => call(model, `Tell me about foxes, take ${++prompts}.`)));
    if (lengths.some((length) => length !== options.chars))
      throw new Error(`a call got ${lengths.find((length) => length !== options.chars)} characters, expected ${options.chars}`);
    return performance.now() - started;
  };
  const modes = [
    { model: bare as LanguageModel, walls: [] as number[] },
    { model: recording as LanguageModel, walls: [] as number[] },
  ];
  for (let round = 0; round < options.warmup; round++) for (const mode of modes) await batch(mode.model);
  for (let round = 0; round < options.rounds; round++) {
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) mode.walls.push(await batch(mode.model));
  }

  // The replayed cassette: `calls` different prompts, recorded from the server.
  const replayPath = join(options.dir, "replay.jsonl");
  const recorder = wrapLanguageModel({ model: bare, middleware: recordReplay({ path: replayPath, mode: "record", env: {} }) });
  for (let first = 0; first < options.calls; first += options.turns) {
    await Promise.all(
      Array.from({ length: Math.min(options.turns, options.calls - first) }, (_, index) => call(recorder, `Replay me, call ${first + index}.`)),
    );
  }
  const cassette = await loadCassette(replayPath);
  if (cassette.calls.length !== options.calls) throw new Error(`recorded ${cassette.calls.length} calls, expected ${options.calls}`);
  // Sorted as the calls are made below (the cassette holds them in the order they completed).
  const recorded = new Map(cassette.calls.map((recordedCall) => [JSON.stringify(recordedCall.request.messages), recordedCall]));
  const partsOf: TimedPart[][] = Array.from({ length: options.calls }, (_, index) => {
    const match = recorded.get(JSON.stringify([{ role: "user", content: [{ type: "text", text: `Replay me, call ${index}.` }] }]))!;
    // As an instant replay streams it: each block whole.
    return streamPartsOf(match.response!, [], match.elapsedMs);
  });
  const replays: number[] = [];
  const floors: number[] = [];
  const run = async (model: LanguageModel): Promise<number> => {
    const started = performance.now();
    for (let index = 0; index < options.calls; index++) {
      const chars = await call(model, `Replay me, call ${index}.`);
      if (chars !== options.chars) throw new Error(`replayed call ${index} got ${chars} characters, expected ${options.chars}`);
    }
    return performance.now() - started;
  };
  for (let round = 0; round < 5; round++) {
    replays.push(await run(wrapLanguageModel({ model: bare, middleware: recordReplay({ path: replayPath, mode: "replay", env: {} }) })));
    floors.push(await run(instantModel(partsOf)));
  }
  return {
    bareMsPerCall: median(modes[0]!.walls) / options.turns,
    recordMsPerCall: median(modes[1]!.walls) / options.turns,
    replayMs: median(replays),
    floorMs: median(floors),
    replayCalls: options.calls,
    cassetteBytes: statSync(replayPath).size,
  };
}

/** A model that streams the parts of call n at once on its nth call: the AI SDK with nothing under it. */
function instantModel(partsOf: TimedPart[][]): LanguageModelV3 {
  let next = 0;
  return {
    specificationVersion: "v3",
    provider: "bench",
    modelId: MODEL_ID,
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error("the bench streams only")),
    doStream: async () => ({ stream: instantStream(partsOf[next++ % partsOf.length]!) }),
  };
}
