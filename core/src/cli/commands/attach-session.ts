/**
 * A session followed from its store into a wire hub, as its rows land: the hub makes the same
 * frames a live run's wire server sends (the same sequencer), so any renderer shows the session as
 * if attached to the run itself. For a renderer that resumes from far back, the hub re-creates
 * older frames from the store's rows, as a live run's hub does from its session directory.
 */
import type { Prompt } from "@escapement/wire-schema";
import type { SessionStatus } from "../../runtime/session-dir.js";
import type { TranscriptRow } from "../../runtime/transcript-row.js";
import { followRows, type SessionStore } from "../../store/index.js";
import { WireHub } from "../../wire/wire-hub.js";
import type { AttachedView } from "./attach-inbox.js";

export interface FollowSessionOptions {
  /** Each batch of rows, once the hub has them. */
  onRows?: (rows: readonly TranscriptRow[]) => void;
  /** The transcript was cut back by a resume: the rows come again from the first. */
  onReset?: () => void;
  /** The store could not be read (the rows come once it can). */
  onError?: (error: unknown) => void;
  pollMs?: number;
}

export interface FollowedSession {
  readonly hub: WireHub;
  readonly view: AttachedView;
  /** Settles with the session's final status once its run ended and every row is in the hub; undefined once stopped first. `view.ended()` says whether it has. */
  readonly ended: Promise<SessionStatus | undefined>;
  /** Stops following (the run goes on). */
  stop(): Promise<void>;
}

/**
 * The prompts open now, from the rows. Unlike the wire's own view (which a run's `runner/done`
 * closes), a prompt stays open across the end of a run that is not the session's end: a session
 * parked on a prompt, or whose worker stopped, is resumed with the prompt still waiting, and an
 * answer posted now is what resumes it.
 */
function trackPrompts(prompts: Map<string, Prompt>, row: TranscriptRow): void {
  if (row.event === "human-input/requested") {
    const prompt = row.data as Prompt;
    prompts.set(prompt.promptId, prompt);
  } else if (row.event === "human-input/answered" || row.event === "human-input/cancelled") {
    prompts.delete((row.data as { promptId: string }).promptId);
  }
}

export function followSession(store: SessionStore, key: string, options: FollowSessionOptions = {}): FollowedSession {
  const hub = new WireHub({ rows: () => store.rows(key) });
  const prompts = new Map<string, Prompt>();
  let final: SessionStatus | undefined;
  const stopping = new AbortController();
  const ended = followRows(store, key, {
    signal: stopping.signal,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(options.onError ? { onError: options.onError } : {}),
    // In the store before the hub has them: a frame the hub re-creates from the store is always there.
    onRows: (rows) => {
      for (const row of rows) trackPrompts(prompts, row);
      hub.ingest(rows);
      options.onRows?.(rows);
    },
    onReset: () => {
      prompts.clear();
      hub.rewind();
      options.onReset?.();
    },
  });
  ended.then(
    (status) => (final = status),
    // Settled either way by whoever awaits `ended`; never an unhandled rejection here.
    () => {},
  );
  return {
    hub,
    view: {
      prompts: () => prompts,
      debug: () => hub.state.debug,
      ended: () => final !== undefined,
    },
    ended,
    stop: async () => {
      stopping.abort();
      await ended.catch(() => undefined);
    },
  };
}
