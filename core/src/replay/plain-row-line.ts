import { frameEvents } from "@escapement/wire-schema/runtime";

/**
 * Tells, without parsing it, whether a transcript line holds a row a replay can splice into its
 * frame as it is: one match of a regular expression (run as native code, allocating nothing)
 * instead of a `JSON.parse` and the garbage of a parse.
 *
 * It knows the line the transcript writer writes: `JSON.stringify` of `{ seq, ts, event, data }`,
 * keys in that order (transcript-writer.ts keeps it; a test pins it), then any further fields.
 * A yes is exact: the line is one `JSON.parse` accepts, giving an object with an integer `seq`, a
 * number `ts` and a string `event` (a transcript row, as `isTranscriptRow` has it) whose event is
 * not one of `frameEvents`. Every value is checked to be JSON, no key after the first four is
 * `seq`, `ts` or `event` (a later duplicate would win in `JSON.parse`), and no top-level key holds
 * an escape (which could spell one of them). Anything else (a row that can derive a frame, another
 * key order, whitespace, a `seq` beyond 15 digits, nesting deeper than `MAX_DEPTH`, a torn or
 * damaged line) is a no, and the caller parses the line: a damaged line is still judged by
 * `JSON.parse` itself.
 */

/** Objects and arrays nested deeper than this inside `data` (or a later field) are left to `JSON.parse`. */
export const MAX_DEPTH = 3;

/** A JSON string: any character but `"`, `\` and the controls, or an escape (the loop unrolled, so it never backtracks). */
const STRING = String.raw`"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"`;
const NUMBER = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const SCALAR = `${STRING}|${NUMBER}|true|false|null`;

/**
 * A JSON value nested at most `depth` levels. A member or element is followed by a comma that
 * another one follows, or by the closing bracket; so `{"a":1,}` and `[1,,2]` do not match, and
 * the expression refers to the inner value once per bracket kind.
 */
const valueOf = (depth: number): string => {
  if (depth === 0) return `(?:${SCALAR})`;
  const inner = valueOf(depth - 1);
  return `(?:${SCALAR}|\\{(?:${STRING}:${inner}(?:,(?=")|(?=\\})))*\\}|\\[(?:${inner}(?:,(?!\\])|(?=\\])))*\\])`;
};

const VALUE = valueOf(MAX_DEPTH);
/** A top-level key with no escape that is not `seq`, `ts` or `event`. */
const OTHER_KEY = String.raw`"(?!(?:seq|ts|event)")[^"\\\x00-\x1f]*"`;
/** An event name that is not one of `frameEvents`. */
const PLAIN_EVENT = String.raw`"(?!(?:${[...frameEvents].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})")[^"\\\x00-\x1f]*"`;

const ROW = new RegExp(String.raw`^\{"seq":[1-9]\d{0,14},"ts":${NUMBER},"event":${PLAIN_EVENT},"data":${VALUE}(?:,${OTHER_KEY}:${VALUE})*\}$`);

/** Consecutive lines from a given index, each a line `ROW` matches followed by "\n". */
const ROW_RUN = new RegExp(String.raw`(?:${ROW.source.slice(1, -1)}\n)+`, "y");

/**
 * Where the lines `isPlainRowLine` vouches for, starting at `from` in `text` (each with its "\n";
 * a line ending "\r\n" ends the run), end: the index after the last one's "\n", or `from` when
 * the line at `from` is not one. One match for many lines, in a replay's hottest loop.
 */
export function plainRunEnd(text: string, from: number): number {
  ROW_RUN.lastIndex = from;
  try {
    return ROW_RUN.test(text) ? ROW_RUN.lastIndex : from;
  } catch {
    // Too long or too deep for the matcher: the lines are judged one by one.
    return from;
  }
}

/** Whether a line is, beyond doubt, a row as the writer writes it, of an event that derives no frame. */
export function isPlainRowLine(text: string): boolean {
  try {
    return ROW.test(text);
  } catch {
    // A line so long and so nested that the matcher ran out of stack: the parse judges it.
    return false;
  }
}

export { tsOfPlainRowLine } from "./plain-row-ts.js";

/** A top-level key as `OTHER_KEY`, and not `data` either: a later `data` would be the row's data. */
const KEY_AFTER_DATA = String.raw`"(?!(?:seq|ts|event|data)")[^"\\\x00-\x1f]*"`;

/**
 * An `event-processed` row as the runner writes it (data keys `event`, `eventData` when there is
 * some, `before`, `after`, `entered`, `exited`, `stateHash` when there is one, in that order; each
 * key once) that entered and exited no state; group 1 is its `after` array, of strings.
 */
const UNMOVED_EVENT = new RegExp(
  String.raw`^\{"seq":[1-9]\d{0,14},"ts":${NUMBER},"event":"runner/event-processed","data":\{"event":${STRING},(?:"eventData":${VALUE},)?"before":${VALUE},"after":(\[(?:${STRING}(?:,${STRING})*)?\]),"entered":\[\],"exited":\[\](?:,"stateHash":${STRING})?\}(?:,${KEY_AFTER_DATA}:${VALUE})*\}$`,
);

/**
 * Whether a line is, beyond doubt, a `runner/event-processed` row that derives no frame: it
 * entered and exited nothing and its `after` is, as text, `phaseText` (the phase the frames told
 * last, as JSON; `[]` before any). Such a row leaves the sequencer as it was, valid or not (a row
 * whose data does not validate derives nothing either), so it only takes a seq, as a plain row
 * does. An `after` in another order, or written with other escapes, is a no: the caller parses.
 */
export function isUnmovedEventLine(text: string, phaseText: string): boolean {
  try {
    return UNMOVED_EVENT.exec(text)?.[1] === phaseText;
  } catch {
    return false;
  }
}
