import type { z } from "zod";
import { eventToolName, type AllowedEvent, type AllowedEvents } from "./event-tools.js";

/** An allowed event as `defineEvents` returns it: still an `AllowedEvent`, plus the name of its tool. */
export type DefinedEvent<TEvent extends AllowedEvent = AllowedEvent> = TEvent & {
  /** The event tool the model calls to send this event, e.g. `greeting_done` for `greeting.done`. */
  toolName: string;
};

/** What `defineEvents` returns: the same events, by the same names, each with its `toolName`. */
export type DefinedEvents<TEvents extends AllowedEvents = AllowedEvents> = { [K in keyof TEvents]: DefinedEvent<TEvents[K]> };

/**
 * Declares a chart's event tools once, where their names, schemas and descriptions can serve three
 * readers: `converse({ allowedEvents })` (the result is an `AllowedEvents` record, offered to the
 * model exactly as the record given), the chart's types (`setup({ types: { events: {} as
 * EventsOf<typeof events> } })`, so handlers read typed payloads) and prompts, which name the tool
 * through `events["greeting.done"].toolName` instead of restating it.
 */
export function defineEvents<TEvents extends AllowedEvents>(events: TEvents): DefinedEvents<TEvents> {
  const entries = Object.entries(events).map(([eventName, event]) => [eventName, { ...event, toolName: eventToolName(eventName) }]);
  return Object.fromEntries(entries) as DefinedEvents<TEvents>;
}

/**
 * A schema output's named fields only. Index signatures (`z.object({})` is `Record<string, never>`,
 * `z.record`, loose objects) would clash with `type` and `invokeId` (a `never` one makes the event `never`).
 */
type KnownKeys<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/**
 * A payload's fields as the chart receives them (see `checkEventPayload`): an object's own fields,
 * anything else under `value`. `type` and `invokeId` are set by the conversation and win.
 */
type PayloadFields<TOutput> = TOutput extends readonly unknown[]
  ? { value: TOutput }
  : TOutput extends object
    ? Omit<KnownKeys<TOutput>, "type" | "invokeId">
    : { value: TOutput };

/** The event a conversation sends the chart when the model calls the tool of `TName`. */
export type EventOf<TEvents extends AllowedEvents, TName extends keyof TEvents & string> = TName extends unknown
  ? Merge<{ type: TName; invokeId: string } & PayloadFields<z.output<TEvents[TName]["schema"]>>>
  : never;

/** An intersection as one object type, so hovers, errors and type tests show plain fields. */
type Merge<T> = T extends unknown ? { [K in keyof T]: T[K] } : never;

/**
 * The union of the events a set of allowed events sends the chart, with the payload types the
 * schemas give after parsing: `setup({ types: { events: {} as EventsOf<typeof events> } })`.
 */
export type EventsOf<TEvents extends AllowedEvents> = EventOf<TEvents, keyof TEvents & string>;
