/**
 * Generates the JSON Schema (draft 2020-12) documents of this major version from the zod
 * definitions. The same documents are committed under schema/v1/ and precompiled into the
 * validators of src/generated/ (scripts/validator-module.ts).
 */
import { z } from "zod";
import { eventDataSchemas, eventNames } from "./event-data.js";
import { INBOUND_KINDS, inboundFrameSchemas } from "./frames-inbound.js";
import { OUTBOUND_KINDS, outboundFrameSchemas } from "./frames-outbound.js";
import { publicEventSchemas, publicEventTypes } from "./public-events.js";
import { TranscriptRow } from "./transcript-row.js";
import { escapePointer, eventDataRef, schemaId } from "./schema-ids.js";
import { PROTOCOL_MAJOR, PROTOCOL_NAME } from "./version.js";

export type JsonSchema = { [key: string]: unknown };

const DRAFT = "https://json-schema.org/draft/2020-12/schema";

export { escapePointer, eventDataRef, schemaId };

const fromZod = (schema: z.ZodType): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "output",
    unrepresentable: "throw",
    reused: "inline",
  }) as JsonSchema;
  return rest;
};

const document = (name: string, title: string, body: JsonSchema): JsonSchema => ({
  $schema: DRAFT,
  $id: schemaId(name),
  title,
  ...body,
});

const eventDataDocument = (): JsonSchema =>
  document("event-data", "Transcript event data", {
    description:
      "The data schema of every transcript event of this major version, keyed by event name. " + "An event name not listed here is valid with any data.",
    $defs: Object.fromEntries(eventNames.map((name) => [name, fromZod(eventDataSchemas[name])])),
  });

/** The row schema plus a dispatch that validates `data` of every known event name. */
const transcriptRowDocument = (): JsonSchema =>
  document("transcript-row", "Transcript row", {
    description: "One transcript row; the payload of an event frame.",
    ...fromZod(TranscriptRow),
    allOf: eventNames.map((name) => ({
      if: { properties: { event: { const: name } }, required: ["event"] },
      then: { properties: { data: { $ref: eventDataRef(name) } } },
    })),
  });

const frameDocument = (kind: string, schema: z.ZodType, direction: string): JsonSchema => {
  const body = fromZod(schema);
  if (kind === "event") {
    const properties = body.properties as JsonSchema;
    properties.row = { $ref: schemaId("transcript-row"), description: "One transcript row." };
  }
  return document(kind, `${kind} frame`, { description: `${direction} frame of kind "${kind}".`, ...body });
};

/** A union dispatched on `kind` with if/then, so errors point inside the matching frame. */
const unionDocument = (name: string, title: string, description: string, kinds: readonly string[]): JsonSchema =>
  document(name, title, {
    description,
    type: "object",
    properties: {
      v: { type: "integer", const: PROTOCOL_MAJOR },
      kind: { type: "string", enum: [...kinds] },
    },
    required: ["v", "kind"],
    allOf: kinds.map((kind) => ({
      if: { properties: { kind: { const: kind } }, required: ["kind"] },
      then: { $ref: schemaId(kind) },
    })),
  });

/** The public event union of hosted runs: the common fields, then an if/then per `type` into `$defs`. */
const publicEventDocument = (): JsonSchema =>
  document("public-event", "Public event", {
    description:
      "One event of the public event stream of a hosted run (run(options) in @escapement/core), " +
      "derived from transcript rows. Dispatched on `type`; a minor version may add fields and types.",
    type: "object",
    properties: {
      type: { type: "string", enum: [...publicEventTypes] },
      sessionId: { type: "string", minLength: 1 },
      runId: { type: "string", minLength: 1 },
      seq: { type: "integer", minimum: 1 },
      ts: { type: "integer", minimum: 0 },
      childSessionId: { type: "string", minLength: 1 },
    },
    required: ["type", "sessionId", "runId", "seq", "ts"],
    allOf: publicEventTypes.map((type) => ({
      if: { properties: { type: { const: type } }, required: ["type"] },
      then: { $ref: `#/$defs/${escapePointer(type)}` },
    })),
    $defs: Object.fromEntries(publicEventTypes.map((type) => [type, fromZod(publicEventSchemas[type])])),
  });

/** Every schema document by file name (without `.json`), keys in a stable order. */
export const buildJsonSchemas = (): Record<string, JsonSchema> => {
  const documents: Record<string, JsonSchema> = {
    "event-data": eventDataDocument(),
    "transcript-row": transcriptRowDocument(),
    frame: unionDocument(
      "frame",
      "Core -> renderer frame",
      `Any core -> renderer frame of ${PROTOCOL_NAME} v${PROTOCOL_MAJOR}. Receivers ignore kinds they do not know.`,
      OUTBOUND_KINDS,
    ),
    inbound: unionDocument("inbound", "Renderer -> core frame", `Any renderer -> core frame of ${PROTOCOL_NAME} v${PROTOCOL_MAJOR}.`, INBOUND_KINDS),
    "public-event": publicEventDocument(),
  };
  for (const kind of OUTBOUND_KINDS) {
    documents[kind] = frameDocument(kind, outboundFrameSchemas[kind], "Core -> renderer");
  }
  for (const kind of INBOUND_KINDS) {
    documents[kind] = frameDocument(kind, inboundFrameSchemas[kind], "Renderer -> core");
  }
  return Object.fromEntries(
    Object.keys(documents)
      .sort()
      .map((name) => [name, canonical(documents[name] as JsonSchema)]),
  );
};

/** The file text of a schema document: two-space JSON with a trailing newline. */
export const serializeSchema = (schema: JsonSchema): string => `${JSON.stringify(schema, null, 2)}\n`;

const KEY_ORDER = [
  "$schema",
  "$id",
  "$ref",
  "title",
  "description",
  "type",
  "const",
  "enum",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "allOf",
  "if",
  "then",
  "else",
];
const rank = (key: string): number => {
  const index = KEY_ORDER.indexOf(key);
  return index === -1 ? KEY_ORDER.length : index;
};
const byKeyword = (a: string, b: string): number => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);

const SCHEMA_MAPS = new Set(["properties", "$defs", "patternProperties", "dependentSchemas"]);
const SCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const SUBSCHEMAS = new Set([
  "items",
  "not",
  "if",
  "then",
  "else",
  "additionalProperties",
  "propertyNames",
  "contains",
  "unevaluatedProperties",
  "unevaluatedItems",
]);

const isObject = (value: unknown): value is JsonSchema => typeof value === "object" && value !== null && !Array.isArray(value);

/** Orders keywords of every (sub)schema; property and $defs maps keep their definition order. */
export const canonical = (schema: JsonSchema): JsonSchema => {
  const out: JsonSchema = {};
  for (const key of Object.keys(schema).sort(byKeyword)) {
    const value = schema[key];
    if (SCHEMA_MAPS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isObject(v) ? canonical(v) : v]));
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map((v: unknown) => (isObject(v) ? canonical(v) : v));
    } else if (SUBSCHEMAS.has(key) && isObject(value)) {
      out[key] = canonical(value);
    } else {
      out[key] = value;
    }
  }
  return out;
};
