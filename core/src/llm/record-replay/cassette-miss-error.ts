/** A strict replay's request that the cassette does not hold: `diff` says where it parts from the nearest recorded call. */
export class CassetteMissError extends Error {
  override readonly name = "CassetteMissError";
  constructor(
    readonly path: string,
    readonly diff: string,
  ) {
    super(`${path}: ${diff}`);
  }
}
