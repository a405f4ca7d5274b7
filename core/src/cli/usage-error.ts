/** Bad command-line input: the CLI prints it with a hint and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const exitCodes = { ok: 0, runFailed: 1, usage: 2, loopDetected: 3, aborted: 130 } as const;
