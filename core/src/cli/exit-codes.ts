/**
 * The exit status of the `escapement` command:
 *
 * - `ok` (0): the command did its job (`run`: the chart reached a final state).
 * - `runFailed` (1): the run ended in error; `refine`'s model call failed (a provider down, a
 *   refused key); `delete` declined (answered no, or the session's run is live); a replay served
 *   with `open --no-spawn --wait-for-renderer` had no renderer attach in time.
 * - `usage` (2): nothing was done: bad arguments or config, a session that is missing, damaged or
 *   not resumable, or a file system that refuses (read-only, no permission, full, a file where a
 *   directory should be); stderr says what and where in one line.
 * - `loopDetected` (3): the run stopped on a repeated model request.
 * - `aborted` (130): SIGINT/SIGTERM/SIGHUP ended the run (SIGHUP leaves the session resumable),
 *   or `refine`'s model call.
 */
export const exitCodes = { ok: 0, runFailed: 1, usage: 2, loopDetected: 3, aborted: 130 } as const;
