/** Small zod building blocks shared by event data and frames. */
import { z } from "zod";
import { SNIPPET_MAX } from "./snippet.js";
import { REF_PATTERN, SINGLE_LINE_PATTERN } from "./patterns.js";

export { EVENT_NAME_PATTERN, PATTERN_HINTS, REF_PATTERN, SINGLE_LINE_PATTERN } from "./patterns.js";

/**
 * The fields this version knows, without the `[key: string]: unknown` index signature that zod's
 * loose objects infer. Values may still carry more fields at run time (a newer minor's); the
 * types just do not promise them, and `Omit`/`Pick` and excess-property checks work as usual.
 */
export type Known<T> = T extends readonly (infer U)[]
  ? Known<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : number extends K ? never : K]: Known<T[K]> }
    : T;

export const NonEmpty = z.string().min(1);
/** Invoke id of a conversation or human-input actor, unique within a run. */
export const InvokeId = z.string().min(1).describe("Invoke id of the actor, unique within a run.");
/** Id of a chart state node. */
export const StateId = z.string().min(1);
/** 1-based turn number within a conversation. */
export const Turn = z.int().min(1);
export const Count = z.int().min(0);
export const Millis = z.number().min(0);
/** Epoch milliseconds. */
export const EpochMs = z.int().min(0);
/** A blob relative to the session directory (never absolute, never `..`), maybe a byte range of it: see `parseRef`. */
export const Ref = z
  .string()
  .regex(new RegExp(REF_PATTERN))
  .describe("Path of a blob relative to the session directory; `#offset=N&length=M` names that byte range of the file.");
/** A single-line preview of at most 80 characters (see `snippet()`). */
export const Snippet = z.string().max(SNIPPET_MAX).regex(new RegExp(SINGLE_LINE_PATTERN)).describe("Single-line preview, at most 80 characters.");
/** Active state ids of a chart configuration (order not significant). */
export const StateIds = z.array(z.string());
/** An error as a value: a category to branch on and a message for humans. */
export const ErrorInfo = z.looseObject({ category: z.string(), message: z.string() });
/** A JSON Schema document (object form). */
export const JsonSchemaObject = z.record(z.string(), z.unknown()).describe("A JSON Schema (draft 2020-12).");
export const RunStatus = z.enum(["done", "aborted", "error"]);
/**
 * A run that stopped to park its session (status `aborted`): what the session waits on. Its
 * prompts stay open (answerable through the store's inbox); an answer or the timer wakes it.
 */
export const ParkedOn = z
  .looseObject({
    prompts: z.array(z.string()).describe("The prompts waiting for an answer, by id; empty when only a timer is pending."),
    dueAt: z.number().optional().describe("When the earliest pending chart timer is due (ms since the epoch)."),
  })
  .describe("Present when the run stopped to park its session: the session goes on when an answer or the timer wakes it.");
