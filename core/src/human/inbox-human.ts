/**
 * The human of a run nobody watches (a worker's, an embedding host's): prompts are answered through
 * the session's inbox in the store (`escapement answer`, `answerPrompt`, `escapement attach`). An
 * answer is taken when it names the prompt being asked; it is then checked as any answer is
 * (`requestHumanInput`), and one that is rejected is reported (`onReject`) and the next one waited
 * for. Entries are read in order from a cursor, which a parked session records so its woken run
 * reads on from where the parked one stopped.
 */
import type { InboxEntry, SessionInbox } from "../store/index.js";
import type { HumanRenderer, PromptAnswer, PromptRequest } from "./human-renderer.js";

export interface InboxHumanOptions {
  inbox: SessionInbox;
  /** The session whose inbox is read: its id, or a function giving it once the run has started; `run()` sets it when absent. */
  sessionId?: string | (() => string);
  /** Entries up to this seq were read by an earlier run of the session (a parked one's `inboxSeq`); default 0. */
  afterSeq?: number;
  /** Told of an answer that was not taken: rejected by the prompt's schema, or for a prompt nobody asks. */
  onReject?: (promptId: string, reason: string) => void;
}

export class InboxHuman implements HumanRenderer {
  readonly #options: InboxHumanOptions;
  #session: string | (() => string) | undefined;
  /** Every entry up to it is handled (taken, or not an answer to a prompt being asked). */
  #cursor: number;
  /**
   * Prompts being asked, from their first ask until their answer is taken (`answered`) or the ask
   * gives up: an answer to one of them is left for its own `ask`, even while a rejected answer has
   * it asked again.
   */
  readonly #asking = new Set<string>();
  /** Entries after the cursor handled out of order (past a parallel prompt's answer). */
  readonly #handled = new Set<number>();

  constructor(options: InboxHumanOptions) {
    this.#options = options;
    this.#cursor = options.afterSeq ?? 0;
    this.#session = options.sessionId;
  }

  /**
   * Names the session when none was given, and skips what an earlier run of it read (a parked
   * session's `inboxSeq`): `run()` calls it with the session it runs.
   */
  attach(sessionId: string, afterSeq = 0): void {
    this.#session ??= sessionId;
    if (afterSeq > this.#cursor) this.#cursor = afterSeq;
  }

  /** The last inbox entry handled, in order: what a parked session records. */
  get cursor(): number {
    return this.#cursor;
  }

  async ask(request: PromptRequest, signal: AbortSignal): Promise<PromptAnswer> {
    const named = this.#session;
    if (named === undefined) throw new Error(`prompt "${request.promptId}": this InboxHuman names no session (give sessionId, or run it through run())`);
    const sessionId = typeof named === "string" ? named : named();
    const { inbox } = this.#options;
    this.#asking.add(request.promptId);
    // Returning an answer keeps the prompt asked until `answered` (its check may reject it).
    let answering = false;
    let wake: (() => void) | undefined;
    let posted = false;
    // Watched before the first read: a post between the read and the wait is not missed.
    const unwatch = await inbox.watch(sessionId, () => {
      posted = true;
      wake?.();
    });
    try {
      for (;;) {
        signal.throwIfAborted();
        posted = false;
        const found = this.#take(await inbox.read(sessionId, this.#cursor), request.promptId);
        if (found) {
          answering = true;
          return found;
        }
        if (posted) continue;
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(signal.reason);
          wake = () => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          };
          signal.addEventListener("abort", onAbort, { once: true });
        });
        wake = undefined;
      }
    } finally {
      if (!answering) this.#asking.delete(request.promptId);
      await unwatch().catch(() => {});
    }
  }

  answered(promptId: string): void {
    this.#asking.delete(promptId);
  }

  reject(promptId: string, reason: string): void {
    this.#options.onReject?.(promptId, reason);
  }

  /** The first answer to `promptId` among `entries`, marking what was handled. */
  #take(entries: readonly InboxEntry[], promptId: string): PromptAnswer | undefined {
    for (const entry of entries) {
      // Another ask, reading at once, may have handled it (and the cursor moved past it) meanwhile.
      if (entry.seq <= this.#cursor || this.#handled.has(entry.seq)) continue;
      const message = entry.message;
      if (message.kind === "answer" && message.promptId === promptId) {
        this.#handle(entry.seq);
        return message.answer;
      }
      // Another prompt being asked now takes its own answer; the cursor waits for it.
      if (message.kind === "answer" && this.#asking.has(message.promptId)) continue;
      if (message.kind === "answer") this.#options.onReject?.(message.promptId, `no prompt "${message.promptId}" is waiting for an answer`);
      this.#handle(entry.seq);
    }
    return undefined;
  }

  /** Marks an entry handled, and moves the cursor over every handled entry that follows it. */
  #handle(seq: number): void {
    this.#handled.add(seq);
    while (this.#handled.delete(this.#cursor + 1)) this.#cursor++;
  }
}
