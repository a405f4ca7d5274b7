export const sessionErrorCodes = [
  "session-exists",
  "session-missing",
  "session-finished",
  "session-live",
  "checkpoint-malformed",
  "checkpoint-missing",
  "chart-mismatch",
  "session-inconsistent",
  "session-io",
] as const;

export type SessionErrorCode = (typeof sessionErrorCodes)[number];

/** A problem with a session directory; the CLI maps it to exit code 2. */
export class SessionError extends Error {
  override readonly name = "SessionError";
  constructor(
    readonly code: SessionErrorCode,
    message: string,
  ) {
    super(message);
  }
}
