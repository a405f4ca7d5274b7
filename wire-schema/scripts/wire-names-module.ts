/**
 * The event names and frame kinds of the zod definitions as plain constants
 * (src/generated/wire-names.ts), so validation knows them without loading zod.
 */
import { eventNames } from "../src/event-data.js";
import { INBOUND_KINDS } from "../src/frames-inbound.js";
import { OUTBOUND_KINDS } from "../src/frames-outbound.js";
import { GENERATED_HEADER } from "./validator-module.js";

const constant = (doc: string, name: string, values: readonly string[]): string =>
  [`/** ${doc} */`, `export const ${name} = [`, ...values.map((value) => `  ${JSON.stringify(value)},`), "] as const;", ""].join("\n");

export const wireNamesModule = (): string =>
  [
    GENERATED_HEADER,
    "",
    constant("Every event name with a data schema (`eventNames`).", "EVENT_NAMES", eventNames),
    constant("Core -> renderer frame kinds (`OUTBOUND_KINDS`).", "OUTBOUND_FRAME_KINDS", OUTBOUND_KINDS),
    constant("Renderer -> core frame kinds (`INBOUND_KINDS`).", "INBOUND_FRAME_KINDS", INBOUND_KINDS),
  ].join("\n");
