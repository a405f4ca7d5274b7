/** The exit status of the `escapement` command. */
export const exitCodes = { ok: 0, runFailed: 1, usage: 2, loopDetected: 3, aborted: 130 } as const;
