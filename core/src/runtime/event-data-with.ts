import type { EventData, EventName } from "@escapement/wire-schema";

/**
 * The data of event `E` plus fields its schema does not declare. Event data objects are loose, so
 * such rows validate; the added fields are not part of the wire contract, and each use marks a row
 * that carries more than its schema promises.
 */
export type EventDataWith<E extends EventName, Extra extends object> = EventData<E> & Extra;
