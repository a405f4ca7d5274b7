/**
 * A credential value that cannot be logged or serialized by accident: `String(secret)`,
 * template literals, `JSON.stringify`, `util.inspect` / `console.log` and `structuredClone` all
 * show `[redacted]` (or nothing). Only `reveal()` gives the value; call it at the one place a
 * request is built, never to print.
 */
const REDACTED = "[redacted]";

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself: only for handing to a provider SDK. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}

export const isSecret = (value: unknown): value is Secret => value instanceof Secret;
