/**
 * Frame, row and event-data validation over the generated JSON Schema, with validators
 * precompiled from it (src/generated/, `npm run generate`): no schema is compiled at run time.
 * Nothing here throws: every failure is a value naming the JSON path.
 */
import type { EventData } from "./event-data.js";
import { isEventName } from "./event-names.js";
import type { InboundFrame } from "./frames-inbound.js";
import type { OutboundFrame } from "./frames-outbound.js";
import { validatorFor, type Validator, type ValidatorError } from "./generated/validators.js";
import { INBOUND_FRAME_KINDS, OUTBOUND_FRAME_KINDS } from "./generated/wire-names.js";
import { PATTERN_HINTS } from "./patterns.js";
import { escapePointer, eventDataRef, EVENT_ENVELOPE_ID, ROW_ENVELOPE_ID, schemaId } from "./schema-ids.js";
import type { TranscriptRow } from "./transcript-row.js";
import { MAX_INBOUND_FRAME_BYTES, MAX_OUTBOUND_FRAME_BYTES, PROTOCOL_MAJOR } from "./version.js";

export type FrameErrorCode = "malformed-json" | "too-large" | "unsupported-version" | "invalid-frame" | "unknown-kind";

export interface WireIssue<Code extends string = string> {
  code: Code;
  /** JSON Pointer into the input ("" = the whole input). */
  path: string;
  /** Human-readable, starting with the path, e.g. "/row/data/turn: must be integer". */
  message: string;
}

export type FrameError = WireIssue<FrameErrorCode>;
export type FrameResult<F> = { ok: true; frame: F } | { ok: false; error: FrameError };
export type RowResult = { ok: true; row: TranscriptRow } | { ok: false; error: WireIssue<"malformed-json" | "too-large" | "invalid-row"> };
export type DataResult<D> = { ok: true; data: D } | { ok: false; error: WireIssue<"invalid-data"> };

/** Which frame kinds are acceptable: renderer -> core, core -> renderer, or either. */
export type Direction = "inbound" | "outbound" | "any";

export interface ValidateOptions {
  direction?: Direction;
  /** Size limit for text input, in UTF-8 bytes. Default: the inbound limit (1 MiB). */
  maxBytes?: number;
}

export type AnyFrame = OutboundFrame | InboundFrame;

// ---------------------------------------------------------------------------------------------
// Validators
//
// The committed schemas validate a row's `data` through an if/then per known event name. That is
// correct but costs ~3 µs per frame in ajv, so here event frames and rows are checked in two
// steps instead: the envelope (the same schema without the dispatch), then the data schema picked
// by name. The outcome is the same; a test holds the two paths to that.

const validator = (ref: string): Validator => {
  const validate = validatorFor(ref);
  if (!validate) throw new Error(`wire-schema: no schema ${ref}`);
  return validate;
};

/** A check returns the first issue, or undefined when the value is valid. */
type Check = (value: Record<string, unknown>) => WireIssue | undefined;

const schemaCheck =
  (ref: string, code: string, subject: Subject): Check =>
  (value) => {
    const validate = validator(ref);
    return validate(value) ? undefined : schemaIssue(code, validate, "", subject);
  };

const dataIssue = (row: Record<string, unknown>, code: string, prefix: string, subject: Subject): WireIssue | undefined => {
  const name = row.event as string;
  if (!isEventName(name)) return undefined;
  const validate = validator(eventDataRef(name));
  return validate(row.data) ? undefined : schemaIssue(code, validate, prefix, subject);
};

const checkEventEnvelope = schemaCheck(EVENT_ENVELOPE_ID, "invalid-frame", "frame");
const checkRowEnvelope = schemaCheck(ROW_ENVELOPE_ID, "invalid-row", "row");

const checkEventFrame: Check = (frame) => checkEventEnvelope(frame) ?? dataIssue(frame.row as Record<string, unknown>, "invalid-frame", "/row/data", "frame");

const checkRow = (row: Record<string, unknown>): WireIssue | undefined => checkRowEnvelope(row) ?? dataIssue(row, "invalid-row", "/data", "row");

const frameChecks = new Map<string, Check>([
  ...[...OUTBOUND_FRAME_KINDS, ...INBOUND_FRAME_KINDS]
    .filter((kind) => kind !== "event")
    .map((kind): [string, Check] => [kind, schemaCheck(schemaId(kind), "invalid-frame", "frame")]),
  ["event", checkEventFrame],
]);

const kindsOf: Record<Direction, ReadonlySet<string>> = {
  inbound: new Set(INBOUND_FRAME_KINDS),
  outbound: new Set(OUTBOUND_FRAME_KINDS),
  any: new Set([...INBOUND_FRAME_KINDS, ...OUTBOUND_FRAME_KINDS]),
};

// ---------------------------------------------------------------------------------------------
// Issues

/** What a validator looks at; names the root in messages, e.g. "(row): must be an object". */
type Subject = "frame" | "row" | "data";

const issue = <C extends string>(code: C, path: string, detail: string, subject: Subject = "frame"): WireIssue<C> => ({
  code,
  path,
  message: `${path === "" ? `(${subject})` : path}: ${detail}`,
});

/** The first ajv error as a path and a sentence. */
const describe = (error: ValidatorError, prefix: string): { path: string; detail: string } => {
  const path = prefix + error.instancePath;
  const params = error.params;
  switch (error.keyword) {
    case "required":
      return { path: `${path}/${escapePointer(String(params.missingProperty))}`, detail: "is required" };
    case "false schema":
      return { path, detail: "must not be present" };
    case "pattern":
      return { path, detail: PATTERN_HINTS[String(params.pattern)] ?? error.message ?? "must match a pattern" };
    case "const":
      return { path, detail: `must be ${JSON.stringify(params.allowedValue)}` };
    case "enum":
      return {
        path,
        detail: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    default:
      return { path, detail: error.message ?? `fails ${error.keyword}` };
  }
};

const schemaIssue = (code: string, validate: Validator, prefix: string, subject: Subject): WireIssue => {
  const first = validate.errors?.[0];
  if (!first) return issue(code, prefix, "is invalid", subject);
  const { path, detail } = describe(first, prefix);
  return issue(code, path, detail, subject);
};

// ---------------------------------------------------------------------------------------------
// Text

/** UTF-8 length without Buffer (renderers may run outside Node). */
export const utf8Length = (text: string): number => {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

type Parsed = { ok: true; value: unknown } | { ok: false; error: WireIssue<"malformed-json" | "too-large"> };

const tooLarge = (bytes: number | string, maxBytes: number, subject: Subject): Parsed => ({
  ok: false,
  error: issue("too-large", "", `${subject} is ${bytes} bytes; the limit is ${maxBytes}`, subject),
});

/** Size check, UTF-8 decoding and JSON.parse of one frame or row. */
const parseText = (input: string | Uint8Array, maxBytes: number, subject: Subject): Parsed => {
  let text: string;
  if (typeof input === "string") {
    // A UTF-16 unit is 1-3 UTF-8 bytes, so only a text in the ambiguous band needs counting.
    if (input.length > maxBytes) return tooLarge(`at least ${input.length}`, maxBytes, subject);
    if (input.length * 3 > maxBytes) {
      const bytes = utf8Length(input);
      if (bytes > maxBytes) return tooLarge(bytes, maxBytes, subject);
    }
    text = input;
  } else {
    if (input.byteLength > maxBytes) return tooLarge(input.byteLength, maxBytes, subject);
    try {
      text = utf8.decode(input);
    } catch {
      return { ok: false, error: issue("malformed-json", "", "malformed JSON: not valid UTF-8", subject) };
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: issue("malformed-json", "", `malformed JSON: ${(error as Error).message}`, subject) };
  }
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const preview = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

// ---------------------------------------------------------------------------------------------
// Frames

const checkFrame = (value: unknown, direction: Direction): FrameResult<AnyFrame> => {
  if (!isRecord(value)) return { ok: false, error: issue("invalid-frame", "", "must be an object") };
  const { v, kind } = value;
  if (v === undefined) return { ok: false, error: issue("invalid-frame", "/v", "is required") };
  if (typeof v !== "number" || !Number.isInteger(v)) {
    return { ok: false, error: issue("invalid-frame", "/v", "must be integer") };
  }
  if (v !== PROTOCOL_MAJOR) {
    return {
      ok: false,
      error: issue("unsupported-version", "/v", `major version ${v} is not supported; this side speaks ${PROTOCOL_MAJOR}`),
    };
  }
  if (kind === undefined) return { ok: false, error: issue("invalid-frame", "/kind", "is required") };
  if (typeof kind !== "string") return { ok: false, error: issue("invalid-frame", "/kind", "must be string") };
  if (!kindsOf[direction].has(kind)) {
    const side = direction === "any" ? "" : direction === "inbound" ? "renderer -> core " : "core -> renderer ";
    return { ok: false, error: issue("unknown-kind", "/kind", `${preview(kind)} is not a ${side}frame kind of v${v}`) };
  }
  const problem = (frameChecks.get(kind) as Check)(value);
  return problem ? { ok: false, error: problem as FrameError } : { ok: true, frame: value as AnyFrame };
};

const internal = <C extends string>(code: C, error: unknown, subject: Subject): WireIssue<C> =>
  issue(code, "", `could not be validated: ${error instanceof Error ? error.message : String(error)}`, subject);

/**
 * Validates one frame, given as parsed JSON or as text (string or UTF-8 bytes). Checks, in order:
 * size, JSON syntax, object shape, `v` (an unknown major is "unsupported-version"), `kind`
 * ("unknown-kind" for a kind outside `direction`), then the kind's schema. Never throws.
 */
export function validateFrame(input: unknown, options: ValidateOptions & { direction: "inbound" }): FrameResult<InboundFrame>;
export function validateFrame(input: unknown, options: ValidateOptions & { direction: "outbound" }): FrameResult<OutboundFrame>;
export function validateFrame(input: unknown, options?: ValidateOptions): FrameResult<AnyFrame>;
export function validateFrame(input: unknown, options: ValidateOptions = {}): FrameResult<AnyFrame> {
  try {
    let value = input;
    if (typeof input === "string" || input instanceof Uint8Array) {
      const parsed = parseText(input, options.maxBytes ?? MAX_INBOUND_FRAME_BYTES, "frame");
      if (!parsed.ok) return parsed;
      value = parsed.value;
    }
    return checkFrame(value, options.direction ?? "any");
  } catch (error) {
    return { ok: false, error: internal("invalid-frame", error, "frame") };
  }
}

/** Decodes a renderer -> core frame (the core's side of the socket), limit 1 MiB. */
export const decodeInbound = (text: string | Uint8Array): FrameResult<InboundFrame> =>
  validateFrame(text, { direction: "inbound", maxBytes: MAX_INBOUND_FRAME_BYTES });

/**
 * Decodes a core -> renderer frame (a renderer's side), limit 4 MiB. An "unknown-kind" error
 * here is a kind from a newer minor version: renderers skip such frames.
 */
export const decodeOutbound = (text: string | Uint8Array): FrameResult<OutboundFrame> =>
  validateFrame(text, { direction: "outbound", maxBytes: MAX_OUTBOUND_FRAME_BYTES });

// Encoding needs no validator: it lives apart, for the light `frames` entry.
export { encodeFrame } from "./encode-frame.js";

// ---------------------------------------------------------------------------------------------
// Rows and event data

/** Validates one transcript row (parsed, or one JSONL line), including the data of known events. */
export const validateTranscriptRow = (input: unknown, maxBytes = MAX_OUTBOUND_FRAME_BYTES): RowResult => {
  try {
    let value = input;
    if (typeof input === "string" || input instanceof Uint8Array) {
      const parsed = parseText(input, maxBytes, "row");
      if (!parsed.ok) return parsed;
      value = parsed.value;
    }
    if (!isRecord(value)) return { ok: false, error: issue("invalid-row", "", "must be an object", "row") };
    const problem = checkRow(value);
    return problem ? { ok: false, error: problem as WireIssue<"invalid-row"> } : { ok: true, row: value as TranscriptRow };
  } catch (error) {
    return { ok: false, error: internal("invalid-row", error, "row") };
  }
};

/** Validates the data of a transcript event. Names this version does not know are valid. */
export const validateEventData = <E extends string>(name: E, data: unknown): DataResult<EventData<E>> => {
  if (!isEventName(name)) return { ok: true, data: data as EventData<E> };
  try {
    const validate = validator(eventDataRef(name));
    if (validate(data)) return { ok: true, data: data as EventData<E> };
    return { ok: false, error: schemaIssue("invalid-data", validate, "", "data") as WireIssue<"invalid-data"> };
  } catch (error) {
    return { ok: false, error: internal("invalid-data", error, "data") };
  }
};
