import { existsSync } from "node:fs";
import { keyOf, loadCassette, type CassetteCall } from "../llm/cassette/index.js";
import { modelLayer } from "../llm/model-layer.js";
import type { ModelClient, ModelResponse, RequestOrigin } from "../llm/protocol.js";

// A call with a purpose (a compaction's summary) is counted apart from the turn it comes before.
const originKey = (origin: RequestOrigin | undefined): string =>
  origin ? `${origin.invokeId}#${origin.stateId}#${origin.turn}${origin.purpose === undefined ? "" : `#${origin.purpose}`}` : "";

/**
 * Answers the cassette holds that the transcript does not: the run died after the provider
 * answered (and the cassette recorded it) but before the response row was kept. Per origin, the
 * cassette's answers beyond the transcript's completed calls of that origin, latest last.
 *
 * @internal
 */
export async function answersNotInTranscript(
  cassette: string | readonly CassetteCall[],
  completed: readonly RequestOrigin[],
): Promise<Map<string, CassetteCall[]>> {
  const answered = new Map<string, CassetteCall[]>();
  let calls: readonly CassetteCall[];
  if (typeof cassette !== "string") calls = cassette;
  else {
    if (!existsSync(cassette)) return answered;
    try {
      calls = (await loadCassette(cassette)).calls;
    } catch {
      return answered;
    }
  }
  const seen = new Map<string, number>();
  for (const origin of completed) seen.set(originKey(origin), (seen.get(originKey(origin)) ?? 0) + 1);
  for (const call of calls) {
    const key = originKey(call.origin);
    const kept = seen.get(key) ?? 0;
    if (kept > 0) {
      seen.set(key, kept - 1);
      continue;
    }
    if (!call.response) continue;
    const list = answered.get(key);
    if (list) list.push(call);
    else answered.set(key, [call]);
  }
  return answered;
}

/**
 * `model`, except that a request the cassette already answered (same origin, same request) is
 * answered from disk: no reply is paid twice. `served` is told each origin answered so, so a
 * scripted or cassette model below steps past it.
 *
 * @internal
 */
export function answerFromDisk(model: ModelClient, answered: Map<string, CassetteCall[]>, served: (origin: RequestOrigin) => void): ModelClient {
  if (answered.size === 0) return model;
  return modelLayer(model, async (request, options): Promise<ModelResponse> => {
    const key = originKey(request.origin);
    const candidates = answered.get(key);
    const match = candidates?.findIndex((call) => call.key === keyOf(request).key) ?? -1;
    if (candidates && match >= 0 && request.origin) {
      const [call] = candidates.splice(match, 1);
      if (candidates.length === 0) answered.delete(key);
      served(request.origin);
      return call!.response!;
    }
    return model.call(request, options);
  });
}
