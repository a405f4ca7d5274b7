import type { CassetteCall } from "./cassette-entry.js";
import type { NormalizedRequest } from "./normalize-request.js";
import type { RequestOrigin } from "../protocol.js";

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** Paths where two JSON values differ, as "path: recorded X, now Y" lines (at most `limit`). */
export function jsonDifferences(recorded: unknown, now: unknown, limit = 8, path = ""): string[] {
  if (JSON.stringify(recorded) === JSON.stringify(now)) return [];
  const bothObjects = recorded && now && typeof recorded === "object" && typeof now === "object" && Array.isArray(recorded) === Array.isArray(now);
  if (!bothObjects) return [`${path || "(request)"}: recorded ${show(recorded)}, now ${show(now)}`];
  const out: string[] = [];
  const keys = new Set([...Object.keys(recorded), ...Object.keys(now)]);
  for (const key of keys) {
    const sub = Array.isArray(recorded) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    out.push(...jsonDifferences((recorded as any)[key], (now as any)[key], limit - out.length, sub));
    if (out.length >= limit) break;
  }
  return out.slice(0, limit);
}

/** The recorded call a diverging request most likely meant: same state and turn, else same position. */
export function nearestCall(calls: readonly CassetteCall[], origin: RequestOrigin, position: number): CassetteCall | undefined {
  return (
    calls.find((call) => call.origin.stateId === origin.stateId && call.origin.turn === origin.turn) ??
    calls.find((call) => call.position === position) ??
    calls[calls.length - 1]
  );
}

export function describeDivergence(calls: readonly CassetteCall[], request: NormalizedRequest, origin: RequestOrigin, position: number): string {
  const nearest = nearestCall(calls, origin, position);
  const head = `call #${position} (state ${origin.stateId}, turn ${origin.turn}) is not in the cassette`;
  if (!nearest) return `${head}; the cassette holds no calls`;
  const lines = jsonDifferences(nearest.request, request).map((line) => `  ${line}`);
  return `${head}; nearest recorded call #${nearest.position} (state ${nearest.origin.stateId}, turn ${nearest.origin.turn}) differs at:\n${lines.join("\n")}`;
}
