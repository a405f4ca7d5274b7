import type { ModelDelta } from "../protocol.js";

type Kind = ModelDelta["kind"];

/**
 * Keeps one call's streamed output free of repeats when the router tries more than once
 * (retry, failover, latency switch, overrun re-run, continuation segment).
 *
 * The rule, per kind (text and thinking apart): the concatenation of what was forwarded to
 * `onDelta` is `emitted`. Each try has a `full` text (the prefix it continues, if any, plus what it
 * streamed so far).
 * - While `full` is a prefix of `emitted`, nothing is forwarded (the try is replaying known text).
 * - Once `full` extends `emitted`, only the extension is forwarded, and from then on every delta
 *   passes straight through.
 * - If `full` contradicts `emitted` (the retried model said something else), the try is muted for
 *   that kind: nothing more is forwarded, and `onDiverged` is called once, so a renderer knows the
 *   streamed text is not a prefix of the reply and should take the text from the response.
 * So no text is ever forwarded twice, and forwarded text is always a prefix of some try's output.
 */
export class StreamGuard {
  readonly #emitted: Record<Kind, string> = { text: "", thinking: "" };
  #forwardedAny = false;

  constructor(
    private readonly forward: ((delta: ModelDelta) => void) | undefined,
    private readonly onDiverged: (kind: Kind, emittedChars: number) => void,
  ) {}

  /** True once anything reached `onDelta`. */
  get forwardedAny(): boolean {
    return this.#forwardedAny;
  }

  emitted(kind: Kind): string {
    return this.#emitted[kind];
  }

  /** A new try whose output continues `base` (empty for a fresh answer). */
  begin(base: Partial<Record<Kind, string>> = {}): GuardedTry {
    return new GuardedTry(this, base.text ?? "", base.thinking ?? "");
  }

  /** @internal */
  pass(kind: Kind, text: string): void {
    if (text === "") return;
    this.#emitted[kind] += text;
    this.#forwardedAny = true;
    this.forward?.({ kind, text });
  }

  /** @internal */
  diverged(kind: Kind): void {
    this.onDiverged(kind, this.#emitted[kind].length);
  }
}

type TryState = "replaying" | "through" | "muted";

export class GuardedTry {
  #live = true;
  readonly #full: Record<Kind, string>;
  readonly #state: Record<Kind, TryState>;

  constructor(
    private readonly guard: StreamGuard,
    baseText: string,
    baseThinking: string,
  ) {
    this.#full = { text: baseText, thinking: baseThinking };
    this.#state = { text: "replaying", thinking: "replaying" };
  }

  /** Deltas after `close()` (an abandoned try streaming on) are dropped. */
  close(): void {
    this.#live = false;
  }

  get live(): boolean {
    return this.#live;
  }

  push(delta: ModelDelta): void {
    if (!this.#live) return;
    const kind = delta.kind;
    if (this.#state[kind] === "through") {
      this.guard.pass(kind, delta.text);
      return;
    }
    this.#full[kind] += delta.text;
    if (this.#state[kind] === "replaying") this.#settle(kind);
  }

  #settle(kind: Kind): void {
    const full = this.#full[kind];
    const emitted = this.guard.emitted(kind);
    if (full.length <= emitted.length) {
      if (!emitted.startsWith(full)) this.#mute(kind);
      return;
    }
    if (!full.startsWith(emitted)) {
      this.#mute(kind);
      return;
    }
    this.#state[kind] = "through";
    this.#full[kind] = "";
    this.guard.pass(kind, full.slice(emitted.length));
  }

  #mute(kind: Kind): void {
    this.#state[kind] = "muted";
    this.#full[kind] = "";
    this.guard.diverged(kind);
  }
}
