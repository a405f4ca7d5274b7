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
export function stateHash(state: ChartState, scrubber: SecretScrubber = SecretScrubber.none): string {
  return hashText(scrubber.scrubJsonText(canonicalStateJson(state)));
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
  let a = -559038737; // 0xdeadbeef
  let b = 1103547991; // 0x41c6ce57
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    a = Math.imul(a ^ code, -1640531535); // 2654435761
    b = Math.imul(b ^ code, 1597334677);
  }
  // The constants as signed 32-bit integers: V8 multiplies those inline, not a larger double.
  a = Math.imul(a ^ (a >>> 16), -2048144789) ^ Math.imul(b ^ (b >>> 13), -1028477387);
  b = Math.imul(b ^ (b >>> 16), -2048144789) ^ Math.imul(a ^ (a >>> 13), -1028477387);
  return hex8(b) + hex8(a);
}

/** Two hex digits per byte, looked up: `Number#toString(16)` of a 32-bit value is far slower. */
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
const hex8 = (value: number): string =>
  HEX_BYTES[(value >>> 24) & 255]! + HEX_BYTES[(value >>> 16) & 255]! + HEX_BYTES[(value >>> 8) & 255]! + HEX_BYTES[value & 255]!;

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
  let keys = Object.keys(record);
  for (let index = 1; index < keys.length; index++) {
    if (keys[index - 1]! > keys[index]!) {
      keys = keys.sort();
      break;
    }
  }
  let out = "{";
  for (const name of keys) {
    const item = textOf(record[name], name);
    if (item !== undefined) out += `${out.length > 1 ? "," : ""}${keyText(name)}:${item}`;
  }
  return `${out}}`;
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
