/**
 * A parking lot: the parked sessions of one process, woken in that process. For a host that runs
 * sessions with `park` itself (an embedding, one process holding many waiting sessions) rather
 * than through the queue's workers. A parked session costs the lot a watch on its inbox and, when
 * it waits on a timer, one timer; its state is in the store. A post to its inbox or its timer's due
 * time calls `resume`, which runs the session again (`runChart({ resume, park, human })`); a run
 * that parks again is parked again.
 */
import type { RunResult } from "../engine/runner.js";
import type { ParkedOn } from "../runtime/session-dir.js";
import type { SessionStore } from "../store/index.js";

export interface ParkingLotOptions {
  /** The store the sessions live in; its inbox wakes them. */
  store: SessionStore;
  /** Runs a woken session again (from its parked state); the lot parks it again when it parks. */
  resume: (sessionId: string, parked: ParkedOn) => Promise<RunResult>;
  /** Told of a woken run that failed to start or ended in error; default: nothing. */
  onError?: (sessionId: string, error: unknown) => void;
  /** The clock timers' due times are read on (ms since the epoch); default `Date.now`. */
  now?: () => number;
}

/** The longest a Node timer waits (a longer delay fires at once). */
const MAX_DELAY = 2 ** 31 - 1;

interface Parked {
  on: ParkedOn;
  unwatch: (() => Promise<void>) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class ParkingLot {
  readonly #options: ParkingLotOptions;
  readonly #parked = new Map<string, Parked>();
  readonly #running = new Set<Promise<void>>();

  constructor(options: ParkingLotOptions) {
    if (!options.store.inbox) throw new Error(`the ${options.store.kind} store keeps no inbox: its parked sessions cannot be woken by an answer`);
    this.#options = options;
  }

  /** Sessions parked now. */
  get size(): number {
    return this.#parked.size;
  }

  /** Parks a session the run left parked (`result.parked`); woken by a post to its inbox or its timer. */
  async park(sessionId: string, on: ParkedOn): Promise<void> {
    const entry: Parked = { on, unwatch: undefined, timer: undefined };
    this.#parked.set(sessionId, entry);
    const inbox = this.#options.store.inbox!;
    const unwatch = await inbox.watch(sessionId, () => this.#wake(sessionId, entry));
    entry.unwatch = unwatch;
    if (this.#parked.get(sessionId) !== entry) return void (await unwatch());
    if (on.dueAt !== undefined) this.#arm(sessionId, entry, on.dueAt);
    // Posted before the watch began: woken now.
    const waiting = await inbox.read(sessionId, on.inboxSeq);
    if (waiting.some((item) => item.message.kind === "answer" && on.prompts.includes(item.message.promptId))) this.#wake(sessionId, entry);
  }

  /** Runs that the lot started and that are still going. */
  get running(): number {
    return this.#running.size;
  }

  /** Stops watching every parked session (they stay parked in the store) and waits for the woken runs. */
  async close(): Promise<void> {
    const entries = [...this.#parked.values()];
    this.#parked.clear();
    for (const entry of entries) if (entry.timer) clearTimeout(entry.timer);
    await Promise.all(entries.flatMap((entry) => (entry.unwatch ? [entry.unwatch()] : [])));
    await Promise.allSettled([...this.#running]);
  }

  /** A timer at `dueAt`; one due further off than a timer can wait (about 24.8 days) waits in steps. */
  #arm(sessionId: string, entry: Parked, dueAt: number): void {
    const left = dueAt - (this.#options.now ?? Date.now)();
    entry.timer = setTimeout(
      () => (left > MAX_DELAY ? this.#arm(sessionId, entry, dueAt) : this.#wake(sessionId, entry)),
      Math.max(0, Math.min(left, MAX_DELAY)),
    );
  }

  #wake(sessionId: string, entry: Parked): void {
    if (this.#parked.get(sessionId) !== entry) return;
    this.#parked.delete(sessionId);
    if (entry.timer) clearTimeout(entry.timer);
    const run = (async () => {
      await entry.unwatch?.();
      const result = await this.#options.resume(sessionId, entry.on);
      if (result.status === "parked" && result.parked) await this.park(sessionId, result.parked);
      else if (result.status === "error") this.#options.onError?.(sessionId, new Error(result.error?.message ?? "the run ended in error"));
    })().catch((error: unknown) => this.#options.onError?.(sessionId, error));
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }
}
