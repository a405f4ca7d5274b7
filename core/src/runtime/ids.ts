import { randomBytes } from "node:crypto";

/** Injectable id source, so tests get the same transcript on every run. */
export interface IdSource {
  sessionId(now: number): string;
  runId(): string;
  token(): string;
}

const stamp = (now: number): string => new Date(now).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);

export const randomIds: IdSource = {
  sessionId: (now) => `${stamp(now)}-${randomBytes(3).toString("hex")}`,
  runId: () => `run-${randomBytes(6).toString("hex")}`,
  token: () => randomBytes(24).toString("base64url"),
};

/** Deterministic ids for tests: counters with a fixed prefix. */
export function sequentialIds(prefix = "t"): IdSource {
  let sessions = 0;
  let runs = 0;
  let tokens = 0;
  return {
    sessionId: () => `${prefix}-session-${++sessions}`,
    runId: () => `${prefix}-run-${++runs}`,
    token: () => `${prefix}-token-${++tokens}`,
  };
}
