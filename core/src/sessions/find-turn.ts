import { statSync } from "node:fs";
import type { ModelRequest, ModelResponse } from "../llm/protocol.js";
import { sessionPaths } from "../runtime/session-dir.js";
import { readTranscript } from "../runtime/transcript-reader.js";
import { SessionError } from "../runtime/session-error.js";
import { UsageError } from "../runtime/usage-error.js";
import { readRef, type RefContent } from "./session-files.js";

const whyNot = (found: Exclude<RefContent, { kind: "text" }>): string =>
  found.kind === "unreadable" ? found.reason : found.kind === "missing" ? "it is missing" : "it names a directory";

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
  const transcript = sessionPaths(dir).transcript;
  if (statSync(transcript, { throwIfNoEntry: false })?.isFile() !== true) {
    throw new SessionError("session-missing", `${dir} holds no turns: ${transcript} is missing or not a file`);
  }
  for await (const row of readTranscript(transcript)) {
    const data = (row.data ?? {}) as { stateId?: string; invokeId?: string; turn?: number; ref?: string };
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
    const found = readRef(dir, ref);
    if (found.kind === "missing") throw new UsageError(`the turn's io blob ${ref} is missing from ${dir}`);
    if (found.kind !== "text") throw new SessionError("checkpoint-malformed", `the turn's io blob ${ref} in ${dir} cannot be read: ${whyNot(found)}`);
    if (found.missingBytes > 0) throw new SessionError("checkpoint-malformed", `the turn's io blob ${ref} in ${dir} is cut short (the io file is truncated)`);
    let value: unknown;
    try {
      value = JSON.parse(found.text);
    } catch {
      value = undefined;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new SessionError("checkpoint-malformed", `the turn's io blob ${ref} in ${dir} is not a JSON object (the io file is damaged)`);
    }
    return value as T;
  };
  return { address, request: read<ModelRequest>(requestRef), ...(responseRef ? { response: read<ModelResponse>(responseRef) } : {}) };
}
