import type { ModelRequest, ModelResponse } from "../llm/protocol.js";
import { readBlob } from "../runtime/io-store.js";
import { sessionPaths } from "../runtime/session-dir.js";
import { readTranscript } from "../runtime/transcript-reader.js";
import { UsageError } from "../runtime/usage-error.js";

/** A turn address: `<state path>/<visit>/<turn>`, visit and turn 1-based (e.g. `review.critic/2/1`). */
export interface TurnAddress {
  stateId: string;
  visit: number;
  turn: number;
}

export function parseTurnAddress(text: string): TurnAddress {
  const match = /^(.+)\/(\d+)\/(\d+)$/.exec(text.trim());
  const visit = Number(match?.[2]);
  const turn = Number(match?.[3]);
  if (!match || visit < 1 || turn < 1) {
    throw new UsageError(`--turn expects <state>/<visit>/<turn> with visit and turn from 1 (e.g. "drafting/1/2"), got "${text}"`);
  }
  return { stateId: match[1]!, visit, turn };
}

export interface CapturedTurn {
  address: TurnAddress;
  request: ModelRequest;
  response?: ModelResponse;
}

/** Finds a turn's full request (and response) from the transcript and its io blobs. */
export async function findTurn(dir: string, address: TurnAddress): Promise<CapturedTurn> {
  const visits = new Map<string, number>();
  const seen: string[] = [];
  let requestRef: string | undefined;
  let responseRef: string | undefined;
  let current: { invokeId: string; visit: number } | undefined;
  for await (const row of readTranscript(sessionPaths(dir).transcript)) {
    const data = row.data as { stateId?: string; invokeId?: string; turn?: number; ref?: string };
    if (row.event === "llm/conversation-started" && data.stateId) {
      const visit = (visits.get(data.stateId) ?? 0) + 1;
      visits.set(data.stateId, visit);
      if (data.stateId === address.stateId && visit === address.visit) current = { invokeId: data.invokeId!, visit };
      else if (current && data.invokeId === current.invokeId) current = undefined;
    }
    if (row.event === "llm/request" && data.stateId) {
      seen.push(`${data.stateId}/${visits.get(data.stateId) ?? 1}/${data.turn}`);
      if (current && data.invokeId === current.invokeId && data.turn === address.turn) requestRef = data.ref;
    }
    if (row.event === "llm/response" && current && data.invokeId === current.invokeId && data.turn === address.turn) responseRef = data.ref;
  }
  if (!requestRef) {
    const known = [...new Set(seen)].slice(0, 20).join(", ");
    throw new UsageError(`no turn ${address.stateId}/${address.visit}/${address.turn} in ${dir} (turns: ${known || "none"})`);
  }
  const read = <T>(ref: string): T => {
    const text = readBlob(dir, ref);
    if (text === undefined) throw new UsageError(`the turn's io blob ${ref} is missing from ${dir}`);
    return JSON.parse(text) as T;
  };
  return { address, request: read<ModelRequest>(requestRef), ...(responseRef ? { response: read<ModelResponse>(responseRef) } : {}) };
}
