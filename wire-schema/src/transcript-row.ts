/** One transcript row: the unit of the session transcript and the payload of an `event` frame. */
import { z } from "zod";
import { EpochMs, EVENT_NAME_PATTERN, type Known } from "./primitives.js";
import type { EventData, EventName } from "./event-data.js";

export { EVENT_NAME_PATTERN };

export const TranscriptRow = z.looseObject({
  seq: z.int().min(1).describe("Gap-free 1-based position of the row in the transcript."),
  ts: EpochMs.describe("Wall-clock time of the row, epoch milliseconds."),
  event: z.string().max(128).regex(new RegExp(EVENT_NAME_PATTERN)).describe("Event name, e.g. llm/delta."),
  data: z.unknown().describe("Event payload; its schema is chosen by the event name (see event-data.json)."),
});

export type TranscriptRow = Known<z.output<typeof TranscriptRow>>;

/** A row of a known event with its `data` typed. */
export type KnownRow<E extends EventName> = { seq: number; ts: number; event: E; data: EventData<E> };

/** Narrows a row by name. It checks the name only; validate the row to trust `data`. */
export const isEvent = <E extends EventName>(row: TranscriptRow, name: E): row is KnownRow<E> => row.event === name;
