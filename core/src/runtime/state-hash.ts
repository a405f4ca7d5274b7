import { SecretScrubber } from "./secret-scrubber.js";

/**
 * What a state hash covers: the root actor's state value (its configuration) and its context,
 * as the persisted snapshot holds them. Left out: the children's snapshots (a conversation's
 * history changes with every model step, not with the chart's events; the cassette's request diff
 * checks it), and the snapshot's status, output and history values (derived from the value).
 */
export interface ChartState {
  value: unknown;
  context: unknown;
}

/** xstate's marker of an actor ref in a persisted snapshot (`{ xstate$$type: 1, id }`). */
const ACTOR_TYPE = 1;

/**
 * The canonical JSON text of a chart state: what `JSON.stringify` would write of it (`toJSON`
 * honoured; `undefined`, functions and symbols left out of objects and `null` in arrays; `NaN` and
 * the infinities `null`), object keys sorted, so the same state has the same text in every run,
 * process and Node version. An actor ref in the context, live or persisted, is written
 * `{"xstate$$type":1}`, without its id: an id xstate makes up (`x:3`) counts the actors the process
 * created before, which a resumed or replayed run does not repeat.
 */
export function canonicalStateJson(state: ChartState): string {
  const context = textOf(state.context, "context");
  const value = textOf(state.value, "value");
  if (context === undefined) return value === undefined ? "{}" : `{"value":${value}}`;
  return value === undefined ? `{"context":${context}}` : `{"context":${context},"value":${value}}`;
}

/**
 * The state's hash, 16 hex digits: a 64-bit hash of its canonical JSON (see `hashText`), with the
 * run's secrets scrubbed out first (as the checkpoint that holds the same state is), so a state
 * holding a key hashes the same live and restored, and the hash is not taken of the key.
 */
export function stateHash(state: ChartState, scrubber: SecretScrubber = SecretScrubber.none, trail?: ContextTrail): string {
  // Without secrets the canonical text is hashed as it is walked, never built (it runs for every
  // event); with secrets it is built, scrubbed, then hashed. Both give the hash of the same text.
  if (scrubber.active || walking) return hashText(scrubber.scrubJsonText(canonicalStateJson(state)));
  walking = true;
  try {
    const context = jsonForm(state.context, "context");
    const value = jsonForm(state.value, "value");
    if (context !== NO_JSON) {
      // Every state with a context starts `{"context":`: the lanes after it are worked out once.
      lanes[0] = CONTEXT_LANE_A;
      lanes[1] = CONTEXT_LANE_B;
      if (trail && context !== null && typeof context === "object" && !Array.isArray(context) && !isActorRef(context))
        feedContext(context as Record<string, unknown>, trail);
      else feedValue(context);
      if (value !== NO_JSON) {
        feedText(',"value":');
        // A state value is mostly a string (a chart with one level of states): fed without a call.
        if (typeof value === "string") feedString(value);
        else feedValue(value);
      }
    } else {
      lanes[0] = SEED_A;
      lanes[1] = SEED_B;
      feedCode(OPEN_BRACE);
      if (value !== NO_JSON) {
        feedText('"value":');
        feedValue(value);
      }
    }
    feedCode(CLOSE_BRACE);
    return hashOfLanes(lanes[0], lanes[1]);
  } finally {
    walking = false;
  }
}

/**
 * 64 bits of a text, as 16 hex digits: two 32-bit multiply-xor lanes over its UTF-16 code units,
 * mixed at the end (bryc's cyrb53, kept at 64 bits). Integer arithmetic that ECMAScript defines
 * exactly, so the same text has the same hash in every engine and version; and in JavaScript, not
 * a call into a native hash, which would cost several times more (it runs for every event). It
 * tells states apart, and is no defence against a state crafted to collide.
 */
export function hashText(text: string): string {
  // A canonical text is built by concatenation: a rope, which V8 reads code unit by code unit
  // several times slower than a flat string. ToNumber flattens it in place, for one failed parse.
  Number(text);
  let a = SEED_A;
  let b = SEED_B;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    a = Math.imul(a ^ code, MUL_A);
    b = Math.imul(b ^ code, MUL_B);
  }
  return hashOfLanes(a, b);
}

// The constants as signed 32-bit integers: V8 multiplies those inline, not a larger double.
const SEED_A = -559038737; // 0xdeadbeef
const SEED_B = 1103547991; // 0x41c6ce57
const MUL_A = -1640531535; // 2654435761
const MUL_B = 1597334677;

/** The two lanes after the last code unit, mixed, as 16 hex digits. */
function hashOfLanes(a: number, b: number): string {
  a = Math.imul(a ^ (a >>> 16), -2048144789) ^ Math.imul(b ^ (b >>> 13), -1028477387);
  b = Math.imul(b ^ (b >>> 16), -2048144789) ^ Math.imul(a ^ (a >>> 13), -1028477387);
  return hex16(b, a);
}

// The walk that feeds a canonical text to the lanes without building it (see `stateHash`): it
// writes, piece by piece, exactly what `textOf` would return. One walk at a time (a `toJSON`
// that hashes a state in the middle of one gets the built text's hash instead).
// The lanes between pieces live in a typed array: a module variable would box every 32-bit value
// it holds (a heap number per store).
const lanes = new Int32Array(2);
let walking = false;

const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const COLON = 58;
const QUOTE = 34;
const BACKSLASH = 92;

/** What `textOf` leaves out (no JSON form): distinct from every value, `undefined` included. */
const NO_JSON: unique symbol = Symbol("no JSON form");

function feedCode(code: number): void {
  lanes[0] = Math.imul(lanes[0]! ^ code, MUL_A);
  lanes[1] = Math.imul(lanes[1]! ^ code, MUL_B);
}

function feedText(text: string): void {
  let a = lanes[0]!;
  let b = lanes[1]!;
  const length = text.length;
  let index = 0;
  // Four code units a round: fewer loop checks on the hottest loop of a run.
  for (; index + 3 < length; index += 4) {
    const c0 = text.charCodeAt(index);
    const c1 = text.charCodeAt(index + 1);
    const c2 = text.charCodeAt(index + 2);
    const c3 = text.charCodeAt(index + 3);
    a = Math.imul(Math.imul(Math.imul(Math.imul(a ^ c0, MUL_A) ^ c1, MUL_A) ^ c2, MUL_A) ^ c3, MUL_A);
    b = Math.imul(Math.imul(Math.imul(Math.imul(b ^ c0, MUL_B) ^ c1, MUL_B) ^ c2, MUL_B) ^ c3, MUL_B);
  }
  for (; index < length; index++) {
    const code = text.charCodeAt(index);
    a = Math.imul(a ^ code, MUL_A);
    b = Math.imul(b ^ code, MUL_B);
  }
  lanes[0] = a;
  lanes[1] = b;
}

// The lanes after `{"context":`, where every state with a context starts.
lanes[0] = SEED_A;
lanes[1] = SEED_B;
feedText('{"context":');
const CONTEXT_LANE_A = lanes[0];
const CONTEXT_LANE_B = lanes[1];

/** A string as `JSON.stringify` writes it: quoted as it is, unless a code unit needs escaping (then JSON.stringify's own text). */
function feedString(text: string): void {
  let a = Math.imul(lanes[0]! ^ QUOTE, MUL_A);
  let b = Math.imul(lanes[1]! ^ QUOTE, MUL_B);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    // Control characters, `"`, `\` and surrogates (a lone one is escaped): the lanes before the string are untouched.
    if (code < 32 || code === QUOTE || code === BACKSLASH || (code >= 0xd800 && code <= 0xdfff)) return feedText(JSON.stringify(text));
    a = Math.imul(a ^ code, MUL_A);
    b = Math.imul(b ^ code, MUL_B);
  }
  lanes[0] = Math.imul(a ^ QUOTE, MUL_A);
  lanes[1] = Math.imul(b ^ QUOTE, MUL_B);
}

/** A number as `String` writes it (`JSON.stringify` too, when it is finite); a small whole one digit by digit, without making the string. */
function feedNumber(value: number): void {
  if ((value | 0) !== value || value < 0) return feedText(Number.isFinite(value) ? String(value) : "null");
  // Whole and within 31 bits: its digits, lowest first, by integer division (-0 gives "0", as String does).
  let rest = value | 0;
  let count = 0;
  do {
    const next = (rest / 10) | 0;
    digits[count++] = 48 + rest - next * 10;
    rest = next;
  } while (rest > 0);
  let a = lanes[0]!;
  let b = lanes[1]!;
  while (count > 0) {
    const code = digits[--count]!;
    a = Math.imul(a ^ code, MUL_A);
    b = Math.imul(b ^ code, MUL_B);
  }
  lanes[0] = a;
  lanes[1] = b;
}

const digits = new Int32Array(10);

/** `value` after its `toJSON` (held under `key`), or NO_JSON when `textOf` would leave it out. */
function jsonForm(value: unknown, key: string | number): unknown {
  if (value !== null && (typeof value === "object" || typeof value === "bigint") && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON(key: string): unknown }).toJSON(String(key));
  }
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "object":
      return value;
    case "bigint":
      throw new TypeError("a chart's state holds a BigInt, which has no JSON form");
    default:
      return NO_JSON;
  }
}

/** Feeds the canonical text of a value `jsonForm` returned (not NO_JSON). */
function feedValue(value: unknown): void {
  switch (typeof value) {
    case "string":
      return feedString(value);
    case "number":
      return feedNumber(value);
    case "boolean":
      return feedText(value ? "true" : "false");
  }
  if (value === null) return feedText("null");
  const object = value as object;
  if (isActorRef(object)) return feedText(ACTOR_TEXT);
  if (Array.isArray(object)) {
    feedCode(OPEN_BRACKET);
    for (let index = 0; index < object.length; index++) {
      if (index > 0) feedCode(COMMA);
      const member: unknown = object[index];
      // As an object's members (below): a string or a number without a call of feedValue.
      if (typeof member === "string") feedString(member);
      else if (typeof member === "number") feedNumber(member);
      else {
        const item = jsonForm(member, index);
        if (item === NO_JSON) feedText("null");
        else feedValue(item);
      }
    }
    return feedCode(CLOSE_BRACKET);
  }
  const record = object as Record<string, unknown>;
  const keys = sortedKeys(record);
  // `{` before the first member, `,` before each later one.
  let lead = OPEN_BRACE;
  for (let index = 0; index < keys.length; index++) {
    const name = keys[index]!;
    const member = record[name];
    const type = typeof member;
    if (type === "undefined" || type === "function" || type === "symbol") continue;
    // A string, number or boolean member is fed here, not by a call of feedValue: feedValue calls
    // itself, so V8 does not inline it, and a call per member was a good part of the walk.
    if (type === "string" || type === "number" || type === "boolean") {
      feedKey(lead, name);
      lead = COMMA;
      feedPlain(member);
      continue;
    }
    const item = jsonForm(member, name);
    if (item === NO_JSON) continue;
    feedKey(lead, name);
    lead = COMMA;
    feedValue(item);
  }
  if (lead === OPEN_BRACE) feedCode(OPEN_BRACE);
  feedCode(CLOSE_BRACE);
}

/**
 * A context object's text: as `feedValue` writes an object, with the lanes after its first members
 * taken from the last state's when they are the same. From event to event a context mostly keeps
 * its leading members (a chart's settings, a counter that did not move): the lanes after each
 * leading string, number or boolean member are kept, and a context whose first members have the
 * same keys and the same values (compared by value, `===`, never by object identity: the same
 * members are the same text whatever a chart did to its objects) starts hashing after them.
 */
function feedContext(record: Record<string, unknown>, trail: ContextTrail): void {
  const { names: trailNames, values: trailValues, a: trailA, b: trailB } = trail;
  const keys = sortedKeys(record);
  const known = trail.count;
  // Members fed; while `matching`, every one of them is the trail's (its lanes not yet taken).
  let count = 0;
  let matching = true;
  // Members are kept while every member before them was a string, number or boolean.
  let keeping = true;
  for (let index = 0; index < keys.length; index++) {
    const name = keys[index]!;
    const member = record[name];
    const type = typeof member;
    if (type === "undefined" || type === "function" || type === "symbol") continue;
    const plain = type === "string" || type === "number" || type === "boolean";
    if (matching) {
      if (plain && count < known && trailNames[count] === name && trailValues[count] === member) {
        count++;
        continue;
      }
      // The first member that differs: the lanes are the trail's after the one before it, and the trail ends there.
      matching = false;
      trail.count = count;
      if (count > 0) {
        lanes[0] = trailA[count - 1]!;
        lanes[1] = trailB[count - 1]!;
      }
    }
    if (plain) {
      feedKey(count === 0 ? OPEN_BRACE : COMMA, name);
      feedPlain(member);
      if (keeping && count < CONTEXT_TRAIL) {
        trailNames[count] = name;
        trailValues[count] = member;
        trailA[count] = lanes[0]!;
        trailB[count] = lanes[1]!;
        trail.count = count + 1;
      }
      count++;
      continue;
    }
    const item = jsonForm(member, name);
    if (item === NO_JSON) continue;
    keeping = false;
    feedKey(count === 0 ? OPEN_BRACE : COMMA, name);
    count++;
    feedValue(item);
  }
  if (matching && count > 0) {
    lanes[0] = trailA[count - 1]!;
    lanes[1] = trailB[count - 1]!;
  }
  if (count === 0) feedCode(OPEN_BRACE);
  feedCode(CLOSE_BRACE);
}

/** A string, number or boolean, which has no `toJSON` that counts. Not recursive, so V8 inlines it (it cannot inline feedValue, which calls itself). */
function feedPlain(value: unknown): void {
  switch (typeof value) {
    case "number":
      return feedNumber(value);
    case "string":
      return feedString(value);
    default:
      return feedText(value ? "true" : "false");
  }
}

/**
 * The last context's leading string, number and boolean members (see `feedContext`): key, value
 * and the lanes after each. One per run (its `StateWatch`), as a run's states follow one another;
 * bounded, as its values are kept until the next context.
 *
 * @internal
 */
const CONTEXT_TRAIL = 64;

export class ContextTrail {
  readonly names: string[] = [];
  readonly values: unknown[] = [];
  readonly a = new Int32Array(CONTEXT_TRAIL);
  readonly b = new Int32Array(CONTEXT_TRAIL);
  /** How many members the trail holds. */
  count = 0;
}

/** `lead` (`{` or `,`), then a member's key as JSON.stringify writes it (what `keyText` holds), then `:`, in one pass. */
function feedKey(lead: number, name: string): void {
  let a = Math.imul(Math.imul(lanes[0]! ^ lead, MUL_A) ^ QUOTE, MUL_A);
  let b = Math.imul(Math.imul(lanes[1]! ^ lead, MUL_B) ^ QUOTE, MUL_B);
  for (let index = 0; index < name.length; index++) {
    const code = name.charCodeAt(index);
    if (code < 32 || code === QUOTE || code === BACKSLASH || (code >= 0xd800 && code <= 0xdfff)) {
      feedCode(lead);
      feedText(JSON.stringify(name));
      return feedCode(COLON);
    }
    a = Math.imul(a ^ code, MUL_A);
    b = Math.imul(b ^ code, MUL_B);
  }
  lanes[0] = Math.imul(Math.imul(a ^ QUOTE, MUL_A) ^ COLON, MUL_A);
  lanes[1] = Math.imul(Math.imul(b ^ QUOTE, MUL_B) ^ COLON, MUL_B);
}

/** The 16 hex digits' code units, looked up: one string made at once is several times cheaper than `toString(16)` or joined pieces. */
const HEX_DIGITS = Array.from({ length: 16 }, (_, digit) => digit.toString(16).charCodeAt(0));
const digit = (value: number, shift: number): number => HEX_DIGITS[(value >>> shift) & 15]!;
const hex16 = (high: number, low: number): string =>
  String.fromCharCode(
    digit(high, 28),
    digit(high, 24),
    digit(high, 20),
    digit(high, 16),
    digit(high, 12),
    digit(high, 8),
    digit(high, 4),
    digit(high, 0),
    digit(low, 28),
    digit(low, 24),
    digit(low, 20),
    digit(low, 16),
    digit(low, 12),
    digit(low, 8),
    digit(low, 4),
    digit(low, 0),
  );

/** The state as plain JSON data (actor refs as their marker): what a diff of two states compares. */
export const plainState = (state: ChartState): { value?: unknown; context?: unknown } => JSON.parse(canonicalStateJson(state)) as ChartState;

const ACTOR_TEXT = `{"xstate$$type":${ACTOR_TYPE}}`;

const isActorRef = (value: object): boolean =>
  (value as { xstate$$type?: unknown }).xstate$$type === ACTOR_TYPE || ("sessionId" in value && "send" in value && "ref" in value);

/**
 * The canonical text of `value` (held under `key`, for `toJSON`); undefined when it has no JSON
 * form. Built by concatenation, sorting an object's keys only when they are not in order already:
 * it runs for every event.
 */
function textOf(value: unknown, key: string | number): string | undefined {
  if (value !== null && (typeof value === "object" || typeof value === "bigint") && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON(key: string): unknown }).toJSON(String(key));
  }
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      // As JSON.stringify: the checkpoint could not hold it either.
      throw new TypeError("a chart's state holds a BigInt, which has no JSON form");
    case "object":
      break;
    default:
      return undefined;
  }
  if (value === null) return "null";
  if (isActorRef(value)) return ACTOR_TEXT;
  if (Array.isArray(value)) {
    let out = "[";
    for (let index = 0; index < value.length; index++) out += `${index > 0 ? "," : ""}${textOf(value[index], index) ?? "null"}`;
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = sortedKeys(record);
  let out = "{";
  for (const name of keys) {
    const item = textOf(record[name], name);
    if (item !== undefined) out += `${out.length > 1 ? "," : ""}${keyText(name)}:${item}`;
  }
  return `${out}}`;
}

/**
 * An object's own enumerable keys, sorted (only when they are not in order already). The same
 * keys come back event after event (a context keeps its shape), so the sorted order of the last
 * few key lists is kept and found again by comparing the keys themselves. The array returned is
 * shared: read it, never change it.
 */
function sortedKeys(record: object): readonly string[] {
  const keys = Object.keys(record);
  if (keys.length < 2) return keys;
  for (let slot = 0; slot < keyLists.length; slot++) {
    if (sameKeys(keyLists[slot]!, keys)) return sortedLists[slot]!;
  }
  let sorted = keys;
  for (let index = 1; index < keys.length; index++) {
    if (keys[index - 1]! > keys[index]!) {
      sorted = [...keys].sort();
      break;
    }
  }
  keyLists[nextSlot] = keys;
  sortedLists[nextSlot] = sorted;
  nextSlot = (nextSlot + 1) % KEY_LISTS;
  return sorted;
}

const KEY_LISTS = 8;
/** Key lists as `Object.keys` gave them, and each one sorted, slot by slot (the oldest slot is reused). */
const keyLists: string[][] = [];
const sortedLists: string[][] = [];
let nextSlot = 0;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** Object keys repeat from event to event: their JSON texts are kept (up to a bound, for charts whose keys are data). */
const keyTexts = new Map<string, string>();
const MAX_KEY_TEXTS = 10_000;

function keyText(name: string): string {
  let text = keyTexts.get(name);
  if (text === undefined) {
    text = JSON.stringify(name);
    if (keyTexts.size < MAX_KEY_TEXTS) keyTexts.set(name, text);
  }
  return text;
}
