/**
 * Bad command-line input: the CLI prints it with a hint and exits 2. Thrown below the CLI too, by
 * what resolves the user's arguments (a chart path, replay flags, a session directory, a turn address).
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
