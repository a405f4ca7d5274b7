/** `$id`s and refs of the JSON Schema documents of this major version. */
import { SCHEMA_BASE_URL } from "./version.js";

export const schemaId = (name: string): string => `${SCHEMA_BASE_URL}${name}.json`;

/** JSON Pointer escaping of one reference token ("llm/delta" -> "llm~1delta"). */
export const escapePointer = (token: string): string => token.replaceAll("~", "~0").replaceAll("/", "~1");

export const eventDataRef = (name: string): string => `${schemaId("event-data")}#/$defs/${escapePointer(name)}`;

// Validation-only variants of two documents (see validate.ts); never published.
const INTERNAL_BASE = `${SCHEMA_BASE_URL}internal/`;
/** transcript-row without its per-event dispatch of `data`. */
export const ROW_ENVELOPE_ID = `${INTERNAL_BASE}row-envelope.json`;
/** The event frame with `row` as the row envelope. */
export const EVENT_ENVELOPE_ID = `${INTERNAL_BASE}event-envelope.json`;
