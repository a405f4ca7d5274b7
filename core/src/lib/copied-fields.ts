import { eventDataSchemas, publicEventSchemas, type EventName, type PublicEventMap, type PublicEventType } from "@escapement/wire-schema";

/**
 * The fields public event `type` copies from the data of transcript event `event`: those both
 * schemas have (the public schema picks them from the event-data schema), in the public event's order.
 */
export const copiedFields = <T extends PublicEventType>(type: T, event: EventName): ReadonlyArray<keyof PublicEventMap[T] & string> =>
  Object.keys(publicEventSchemas[type].shape).filter((key) => Object.hasOwn(eventDataSchemas[event].shape, key)) as Array<keyof PublicEventMap[T] & string>;
