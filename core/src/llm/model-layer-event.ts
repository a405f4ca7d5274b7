import type { EventData } from "@escapement/wire-schema";
import type { EventDataWith } from "../runtime/event-data-with.js";

/** The transcript events the model layer reports while it serves a call (`CallOptions.onEvent`). */
export type ModelLayerEventName =
  "llm/retry" | "llm/model-down" | "llm/latency-switch" | "llm/overrun" | "llm/context-warning" | "llm/model-policy-empty" | "llm/stream-diverged";

/**
 * Fields the model layer reports beyond these events' schemas. Event data objects are loose, so
 * the rows validate; these fields are not part of the wire contract.
 */
interface BeyondSchema {
  "llm/overrun": { target: string; temperature?: number; reason?: string };
  "llm/context-warning": { target: string; contextWindow: number };
  "llm/model-policy-empty": { rejected: string[] };
}

/** An event's data as the model layer reports it: without `invokeId`, which the conversation adds. */
export type ModelLayerEventData<E extends ModelLayerEventName> = Omit<EventData<E>, "invokeId"> & (E extends keyof BeyondSchema ? BeyondSchema[E] : unknown);

/** `CallOptions.onEvent`: told each event the model layer reports, with its data. */
export type ModelLayerEventListener = <E extends ModelLayerEventName>(event: E, data: ModelLayerEventData<E>) => void;

/**
 * A model-layer event's data as a row of the conversation turn it served: with the conversation's
 * `invokeId` (the event's data is then whole) and the `turn`, a field these events' schemas do not
 * declare.
 */
export const turnEventData = <E extends ModelLayerEventName>(data: ModelLayerEventData<E>, invokeId: string, turn: number) =>
  ({ ...data, invokeId, turn }) as EventDataWith<E, { turn: number }>;
