/**
 * Mirrors a child session's conversation lifecycle into the parent's transcript, so the parent's
 * renderers (the TUI's LIVE panel, `escapement open`) show the children's conversations beside the
 * parent's own. The child's transcript stays the source of truth; mirrored rows are a view of it.
 *
 * A mirrored row has the child row's event name and data, with ids made unique in the parent:
 *
 * - `invokeId`, `stateId`, `promptId`: prefixed with `<childSessionId>/`
 * - `ref`: rewritten to be relative to the parent's session directory (`children/<id>/io/...`)
 * - added: `childSessionId`, and `childSeq` (the child row's seq)
 *
 * `llm/delta` rows are coalesced: a conversation's fragments are joined and written at most every
 * `deltaIntervalMs`, and always before that conversation's next non-delta row.
 *
 * The child's chart moves (`runner/start-config`, and `runner/event-processed` rows that enter or
 * exit a state) become `session/child-phase` rows: a mirrored runner row would read, to the
 * parent's renderers and to the parent's own resume, as the parent's configuration.
 */
import { breadcrumbOf, isEvent, type EventData, type EventName, type KnownRow } from "@escapement/wire-schema";
import type { Clock } from "../runtime/clock.js";
import type { EventDataWith } from "../runtime/event-data-with.js";
import type { TranscriptRow } from "../runtime/transcript-row.js";
import type { TranscriptWriter } from "../runtime/transcript-writer.js";

const mirroredEventNames = [
  "llm/conversation-started",
  "llm/conversation-ended",
  "llm/request",
  "llm/response",
  "llm/error",
  "llm/turn-interrupted",
  "llm/delta",
  "human-input/requested",
  "human-input/answered",
  "human-input/cancelled",
  "human-input/progress",
] as const satisfies readonly EventName[];

/** The events whose child rows are mirrored into the parent's transcript. */
export type MirroredEvent = (typeof mirroredEventNames)[number];
export const mirroredEvents: ReadonlySet<string> = new Set(mirroredEventNames);

const isMirrored = (row: TranscriptRow): row is KnownRow<MirroredEvent> => mirroredEvents.has(row.event);

/** What a mirrored row adds to the child row's data (fields the event schemas do not declare). */
export interface MirrorFields {
  childSessionId: string;
  childSeq: number;
}

/**
 * The `session/child-phase` data for a child's runner row (pure), or undefined when the row does
 * not move the chart: the rule that derives a `phase` frame from the child's own stream.
 */
export function childPhaseData(
  childSessionId: string,
  row: TranscriptRow,
  lastConfig: readonly string[] | undefined,
): EventData<"session/child-phase"> | undefined {
  if (isEvent(row, "runner/start-config")) {
    const { config } = row.data;
    return { childSessionId, childSeq: row.seq, config, breadcrumb: breadcrumbOf(config) };
  }
  if (!isEvent(row, "runner/event-processed")) return undefined;
  const { event, after, entered, exited } = row.data;
  const same = lastConfig !== undefined && after.length === lastConfig.length && after.every((id) => lastConfig.includes(id));
  if (entered.length === 0 && exited.length === 0 && same) return undefined;
  return { childSessionId, childSeq: row.seq, config: after, breadcrumb: breadcrumbOf(after), event };
}

/** Where a child's session directory is, relative to the parent's. */
export const childDirRef = (childSessionId: string): string => `children/${childSessionId}`;

/** The parent-side data of a mirrored child row (pure): its ids rewritten as strings, so it keeps its type. */
export function mirrorData<R extends TranscriptRow>(childSessionId: string, row: R): R["data"] & MirrorFields {
  const data = { ...(row.data as Record<string, unknown>) };
  for (const key of ["invokeId", "stateId", "promptId"] as const) {
    if (typeof data[key] === "string") data[key] = `${childSessionId}/${data[key]}`;
  }
  if (typeof data.ref === "string") data.ref = `${childDirRef(childSessionId)}/${data.ref}`;
  data.childSessionId = childSessionId;
  data.childSeq = row.seq;
  return data as R["data"] & MirrorFields;
}

interface PendingDelta extends Pick<EventData<"llm/delta">, "invokeId" | "turn" | "kind" | "text"> {
  childSessionId: string;
  lastSeq: number;
}

export interface MirrorOptions {
  /** Mirror `llm/delta` rows (coalesced). Default true. */
  deltas?: boolean;
  deltaIntervalMs?: number;
}

export class FleetMirror {
  readonly #pending = new Map<string, PendingDelta>();
  /** Each child's configuration as its last `session/child-phase` row gave it. */
  readonly #configs = new Map<string, readonly string[]>();
  readonly #deltas: boolean;
  readonly #intervalMs: number;
  #timer: unknown;
  #closed = false;

  constructor(
    private readonly transcript: TranscriptWriter,
    private readonly clock: Clock,
    options: MirrorOptions = {},
  ) {
    this.#deltas = options.deltas ?? true;
    this.#intervalMs = options.deltaIntervalMs ?? 250;
  }

  /** The tap a child run gets: its rows, after they are on the child's disk. */
  tap(childSessionId: string): (rows: readonly TranscriptRow[]) => void {
    return (rows) => {
      if (this.#closed) return;
      for (const row of rows) this.#mirror(childSessionId, row);
    };
  }

  #mirror(childSessionId: string, row: TranscriptRow): void {
    const phase = childPhaseData(childSessionId, row, this.#configs.get(childSessionId));
    if (phase) {
      // What the child streamed before it moved comes first, as in its own transcript.
      this.#flushChild(childSessionId);
      this.#configs.set(childSessionId, phase.config);
      this.transcript.append("session/child-phase", phase);
      return;
    }
    if (!isMirrored(row)) return;
    if (isEvent(row, "llm/delta")) {
      const data = row.data;
      if (!this.#deltas || typeof data.text !== "string") return;
      const key = `${childSessionId}\u0000${data.invokeId}\u0000${String(data.turn)}\u0000${String(data.kind)}`;
      const pending = this.#pending.get(key);
      if (pending) {
        pending.text += data.text;
        pending.lastSeq = row.seq;
      } else {
        this.#pending.set(key, { childSessionId, invokeId: data.invokeId ?? "", turn: data.turn, kind: data.kind, text: data.text, lastSeq: row.seq });
      }
      this.#arm();
      return;
    }
    const { invokeId } = row.data as { invokeId?: unknown };
    if (typeof invokeId === "string") this.#flushConversation(childSessionId, invokeId);
    this.transcript.append(row.event, mirrorData(childSessionId, row));
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      this.flushDeltas();
    }, this.#intervalMs);
  }

  #flushConversation(childSessionId: string, invokeId: string): void {
    for (const [key, pending] of this.#pending) {
      if (pending.childSessionId !== childSessionId || pending.invokeId !== invokeId) continue;
      this.#pending.delete(key);
      this.#writeDelta(pending);
    }
  }

  #flushChild(childSessionId: string): void {
    for (const [key, pending] of this.#pending) {
      if (pending.childSessionId !== childSessionId) continue;
      this.#pending.delete(key);
      this.#writeDelta(pending);
    }
  }

  #writeDelta(pending: PendingDelta): void {
    const data: EventDataWith<"llm/delta", MirrorFields> = {
      invokeId: `${pending.childSessionId}/${pending.invokeId}`,
      turn: pending.turn,
      kind: pending.kind,
      text: pending.text,
      childSessionId: pending.childSessionId,
      childSeq: pending.lastSeq,
    };
    this.transcript.append("llm/delta", data);
  }

  /** Writes every buffered fragment now. */
  flushDeltas(): void {
    if (this.#closed) return;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const item of pending) this.#writeDelta(item);
  }

  /** Writes what is buffered, then mirrors nothing more (the parent's transcript is about to close). */
  close(): void {
    if (this.#closed) return;
    this.flushDeltas();
    this.#closed = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
