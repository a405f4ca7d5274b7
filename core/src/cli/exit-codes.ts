/**
 * The exit status of the `escapement` command:
 *
 * - `ok` (0): the command did its job (`run`: the chart reached a final state).
 * - `runFailed` (1): the run ended in error; `delete` declined.
 * - `usage` (2): nothing was done: bad arguments or config, a session that is missing, damaged or
 *   not resumable, or a file system that refuses (read-only, no permission, full, a file where a
 *   directory should be); stderr says what and where in one line.
 * - `loopDetected` (3): the run stopped on a repeated model request.
 * - `aborted` (130): SIGINT/SIGTERM ended the run.
 */
export const exitCodes = { ok: 0, runFailed: 1, usage: 2, loopDetected: 3, aborted: 130 } as const;
