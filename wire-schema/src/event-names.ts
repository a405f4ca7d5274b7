/** Whether an event name is one this version defines, without loading the data schemas. */
import type { EventName } from "./event-data.js";
import { EVENT_NAMES } from "./generated/wire-names.js";

const known: ReadonlySet<string> = new Set(EVENT_NAMES);

export const isEventName = (name: string): name is EventName => known.has(name);
