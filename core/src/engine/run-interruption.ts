/**
 * An abort reason that leaves the session resumable: the run stops as on any abort (effects
 * aborted, the chart halted, `runner/done` recorded with status `aborted`), but its session is
 * left `interrupted`, as after a crash, so `--resume` continues it from its last checkpoint. For
 * endings that are not the user's decision to stop, such as the terminal hanging up (SIGHUP).
 */
export class RunInterruption extends Error {
  override readonly name = "RunInterruption";
}

/** Whether an abort signal's reason asks to keep the session resumable. */
export const isRunInterruption = (reason: unknown): reason is RunInterruption =>
  reason instanceof RunInterruption || (reason instanceof Error && reason.name === "RunInterruption");
