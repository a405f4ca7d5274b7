/**
 * The session inbox: what people send a session from outside its run (an answer to a prompt,
 * debugger control), kept by the store so it reaches the session wherever it runs, and wakes it
 * when it is parked. Entries are numbered per session in the order they were posted; a reader
 * keeps the last number it handled and reads what came after.
 */
import { SessionError } from "../runtime/session-error.js";

/** What a person sends a session from outside its run. */
export type InboxMessage =
  { kind: "answer"; promptId: string; answer: { value: unknown } | { cancelled: true } } | { kind: "control"; control: Record<string, unknown> }; // debugger control, the wire's control frame body

export interface InboxEntry {
  seq: number;
  at: number;
  message: InboxMessage;
}

export interface SessionInbox {
  /** Durable once settled; returns the entry's seq (increasing per session). Wakes a session parked on it. */
  post(sessionId: string, message: InboxMessage): Promise<number>;
  /** Entries with seq > afterSeq, in order. */
  read(sessionId: string, afterSeq: number): Promise<InboxEntry[]>;
  /** Calls onPosted when an entry is posted for the session (Postgres: LISTEN/NOTIFY); resolves to an unsubscribe. */
  watch(sessionId: string, onPosted: () => void): Promise<() => Promise<void>>;
  /** Calls onPosted with the session of every post to any session (a worker waking parked sessions); resolves to an unsubscribe. */
  watchAll?(onPosted: (sessionId: string) => void): Promise<() => Promise<void>>;
}

/** Whether a value is an inbox message (what a store reads back, or a client sends, is checked by it). */
export function isInboxMessage(value: unknown): value is InboxMessage {
  if (typeof value !== "object" || value === null) return false;
  const message = value as Record<string, unknown>;
  if (message["kind"] === "control") return typeof message["control"] === "object" && message["control"] !== null && !Array.isArray(message["control"]);
  if (message["kind"] !== "answer" || typeof message["promptId"] !== "string") return false;
  const answer = message["answer"];
  if (typeof answer !== "object" || answer === null) return false;
  return "value" in answer || (answer as Record<string, unknown>)["cancelled"] === true;
}

/** Callbacks per session, for an inbox's `watch`; a callback that throws does not stop the others. */
export class InboxWatchers {
  readonly #bySession = new Map<string, Set<() => void>>();
  readonly #all = new Set<(sessionId: string) => void>();

  add(sessionId: string, onPosted: () => void): () => void {
    let set = this.#bySession.get(sessionId);
    if (!set) this.#bySession.set(sessionId, (set = new Set()));
    // Each subscription is its own entry, even when the same function subscribes twice.
    const entry = () => onPosted();
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.#bySession.get(sessionId) === set) this.#bySession.delete(sessionId);
    };
  }

  /** Subscribes to the posts of every session. */
  addAll(onPosted: (sessionId: string) => void): () => void {
    const entry = (sessionId: string) => onPosted(sessionId);
    this.#all.add(entry);
    return () => void this.#all.delete(entry);
  }

  notify(sessionId: string): void {
    for (const callback of [...this.#all]) {
      try {
        callback(sessionId);
      } catch {
        // A watcher's failure is its own; the post happened.
      }
    }
    for (const callback of [...(this.#bySession.get(sessionId) ?? [])]) {
      try {
        callback();
      } catch {
        // A watcher's failure is its own; the post happened.
      }
    }
  }

  get size(): number {
    return this.#bySession.size;
  }
}

export interface MemoryInboxOptions {
  /** Whether the session exists; a post to one that does not is refused (session-missing). Default: every id exists. */
  exists?: (sessionId: string) => boolean;
  /** The clock entries are stamped with (ms since the epoch). */
  now?: () => number;
}

/** An inbox held in this process (the memory store's): posts are durable as they return, watchers called on a later microtask. */
export function memoryInbox(options: MemoryInboxOptions = {}): SessionInbox & { forget(sessionId: string): void } {
  const now = options.now ?? Date.now;
  const entries = new Map<string, InboxEntry[]>();
  const watchers = new InboxWatchers();
  return {
    post: async (sessionId, message) => {
      if (!isInboxMessage(message)) throw new SessionError("session-io", `not an inbox message for session ${sessionId}: ${JSON.stringify(message)}`);
      if (options.exists && !options.exists(sessionId)) throw new SessionError("session-missing", `no session "${sessionId}" in the memory store`);
      let list = entries.get(sessionId);
      if (!list) entries.set(sessionId, (list = []));
      const seq = (list.at(-1)?.seq ?? 0) + 1;
      list.push({ seq, at: now(), message: structuredClone(message) });
      queueMicrotask(() => watchers.notify(sessionId));
      return seq;
    },
    read: async (sessionId, afterSeq) => (entries.get(sessionId) ?? []).filter((entry) => entry.seq > afterSeq).map((entry) => structuredClone(entry)),
    watch: async (sessionId, onPosted) => {
      const remove = watchers.add(sessionId, onPosted);
      return async () => remove();
    },
    watchAll: async (onPosted) => {
      const remove = watchers.addAll(onPosted);
      return async () => remove();
    },
    forget: (sessionId) => void entries.delete(sessionId),
  };
}
