import type { EventData, EventName } from "@escapement/wire-schema";

/**
 * A row as `TranscriptWriter.append` takes it, before it has a seq: an event name and its data,
 * correlated (a union over the names in `E`).
 */
export type RowInput<E extends EventName = EventName> = { [K in E]: { event: K; data: EventData<K> } }[E];
