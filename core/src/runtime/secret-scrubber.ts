/** What takes a secret's place. */
export const REDACTED = "[redacted]";

/**
 * Shorter values are not scrubbed: replacing every occurrence of a short string would redact
 * ordinary text (a key of `abc` would eat words), and so short a key is no real credential.
 */
export const minSecretLength = 8;

/** A secret as the scrubber takes it: config's `Secret` (anything with `reveal()`), or the value itself. */
export type SecretValue = { reveal(): string } | string;

/** Hands on a stream's text without any secret, holding back a tail that may be the start of one. */
export interface StreamScrubber {
  /** What of the text so far can be shown now: `text` after what was held back, scrubbed, less a new tail that may begin a secret. */
  push(text: string): string;
  /** What is still held back, scrubbed: call it once the stream has ended. */
  end(): string;
}

/** Below this depth `scrubJson` leaves a value as it is (a cycle ends there; JSON is never this deep). */
const maxDepth = 100;

const passThrough: StreamScrubber = { push: (text) => text, end: () => "" };

/**
 * Replaces secrets with `[redacted]`: each value itself and the forms it takes on the way out of
 * a process — JSON-string-escaped, percent-encoded (`encodeURIComponent`, upper- or lower-case
 * hex), and base64 / base64url of its UTF-8 bytes, whole or embedded at any byte offset in a longer
 * encoded text (so `Basic base64(user:key)` loses the key's part too; one or two characters next to
 * it, which carry a few bits of it, may stay).
 *
 * Values shorter than `minSecretLength` (8 characters) are ignored: scrubbing them would redact
 * ordinary text.
 *
 * Every form of every secret is one precompiled RegExp, so a text is searched once whatever the
 * number of secrets; a scrubber without secrets (`active` false) does no work at all.
 */
export class SecretScrubber {
  /** The scrubber with no secrets: every method returns its input as it is. */
  static readonly none = new SecretScrubber([]);

  /** A scrubber for these secrets; `undefined` and too-short values are skipped. */
  static of(secrets: Iterable<SecretValue | undefined>): SecretScrubber {
    const values: string[] = [];
    for (const secret of secrets) {
      const value = secret === undefined ? undefined : typeof secret === "string" ? secret : secret.reveal();
      if (value !== undefined && value.length >= minSecretLength) values.push(value);
    }
    return values.length === 0 ? SecretScrubber.none : new SecretScrubber(values);
  }

  /** Whether there is anything to scrub. */
  readonly active: boolean;
  /** Every form of every secret, longest first (the alternation then prefers the longest match). */
  readonly #forms: readonly string[];
  readonly #all: RegExp | undefined;
  readonly #any: RegExp | undefined;
  /** First characters of the forms: where a held-back tail may begin. */
  readonly #starts: ReadonlySet<string>;
  readonly #longest: number;

  private constructor(values: readonly string[]) {
    const forms = [...new Set(values.flatMap(formsOf))].sort((a, b) => b.length - a.length);
    this.active = forms.length > 0;
    this.#forms = forms;
    const source = forms.map(escapeRegExp).join("|");
    this.#all = this.active ? new RegExp(source, "g") : undefined;
    this.#any = this.active ? new RegExp(source) : undefined;
    this.#starts = new Set(forms.map((form) => form[0]!));
    this.#longest = forms[0]?.length ?? 0;
  }

  /** Whether `text` holds a secret in any of its forms. */
  finds(text: string): boolean {
    return this.#any !== undefined && this.#any.test(text);
  }

  /** `text` with every secret, in every form, replaced by `[redacted]`. */
  scrub(text: string): string {
    return this.#all === undefined ? text : text.replace(this.#all, REDACTED);
  }

  /**
   * A JSON value with every string in it scrubbed, object keys included. Arrays and plain objects
   * are walked and copied only where something changed (an unchanged value is returned as it is);
   * other objects (class instances, whose `toJSON` decides what they write) are left alone.
   */
  scrubJson<T>(value: T): T {
    return this.active ? (this.#deep(value, 0) as T) : value;
  }

  /**
   * A JSON text (a JSONL line, a blob) without secrets, searched once: only a text that holds one
   * is parsed, scrubbed (`scrubJson`) and serialized again, so it stays the JSON it was. A text
   * that is not JSON is scrubbed as text.
   */
  scrubJsonText(text: string): string {
    if (!this.finds(text)) return text;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.scrub(text);
    }
    const out = JSON.stringify(this.scrubJson(value));
    // Whatever the walk did not reach (nesting past its depth) is scrubbed as text.
    return this.finds(out) ? this.scrub(out) : out;
  }

  #deep(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.scrub(value);
    if (typeof value !== "object" || value === null || depth >= maxDepth) return value;
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let index = 0; index < value.length; index++) {
        const item: unknown = value[index];
        const scrubbed = this.#deep(item, depth + 1);
        if (scrubbed !== item) (out ??= value.slice())[index] = scrubbed;
      }
      return out ?? value;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    let changed = false;
    const entries = Object.entries(value).map(([key, item]): [string, unknown] => {
      const scrubbedKey = this.scrub(key);
      const scrubbed = this.#deep(item, depth + 1);
      if (scrubbedKey !== key || scrubbed !== item) changed = true;
      return [scrubbedKey, scrubbed];
    });
    return changed ? Object.fromEntries(entries) : value;
  }

  /**
   * A scrubber for one stream of text fragments (a model's streamed reply): a secret split across
   * fragments is caught, because a fragment's tail that could begin a secret is held back until
   * the next fragment tells (or `end()` gives it back).
   */
  stream(): StreamScrubber {
    if (!this.active) return passThrough;
    let held = "";
    return {
      push: (text) => {
        const buffer = held + text;
        const all = this.#all!;
        all.lastIndex = 0;
        let out = "";
        let from = 0;
        let last: RegExpExecArray | undefined;
        for (let match = all.exec(buffer); match !== null; match = all.exec(buffer)) {
          out += buffer.slice(from, match.index) + REDACTED;
          from = match.index + match[0].length;
          last = match;
        }
        // A match that ends the buffer may be the start of a longer form: wait for the rest of it.
        if (last && from === buffer.length && this.#beginsLonger(last[0])) {
          out = out.slice(0, out.length - REDACTED.length);
          held = buffer.slice(last.index);
          return out;
        }
        const tail = buffer.slice(from);
        const keep = this.#heldTail(tail);
        held = tail.slice(tail.length - keep);
        return out + tail.slice(0, tail.length - keep);
      },
      end: () => {
        const rest = this.scrub(held);
        held = "";
        return rest;
      },
    };
  }

  /** Whether `text` is a proper prefix of some form. */
  #beginsLonger(text: string): boolean {
    return this.#forms.some((form) => form.length > text.length && form.startsWith(text));
  }

  /** The length of the longest suffix of `tail` that is a proper prefix of some form (0: none). */
  #heldTail(tail: string): number {
    for (let at = Math.max(0, tail.length - this.#longest + 1); at < tail.length; at++) {
      if (this.#starts.has(tail[at]!) && this.#beginsLonger(tail.slice(at))) return tail.length - at;
    }
    return 0;
  }
}

/** The forms a secret takes in text: itself, JSON-escaped, percent-encoded, base64 and base64url (whole, and at each byte offset). */
function formsOf(value: string): string[] {
  const forms = [value, JSON.stringify(value).slice(1, -1)];
  const percent = percentEncoded(value);
  if (percent !== undefined) {
    const lowerHex = percent.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
    forms.push(percent, lowerHex);
  }
  const bytes = Buffer.from(value, "utf8");
  for (const alphabet of ["base64", "base64url"] as const) {
    // The value encoded alone, with its padding and without.
    const alone = bytes.toString(alphabet);
    forms.push(alone, alone.replace(/=+$/, ""));
    // Inside a longer encoded text the value starts 0, 1 or 2 bytes into a 3-byte group: keep the
    // characters that depend on the value's bytes only (the first group's last 4, 2 or 1 of them,
    // and the last group's first 0, 1 or 2).
    for (const shift of [0, 1, 2]) {
      const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString(alphabet);
      const total = shift + bytes.length;
      const start = [0, 2, 3][shift]!;
      const end = 4 * Math.floor(total / 3) + (total % 3);
      const middle = encoded.slice(start, end);
      if (middle.length >= minSecretLength) forms.push(middle);
    }
  }
  return forms.filter((form) => form.length >= minSecretLength);
}

/** `encodeURIComponent`, or undefined for a value it refuses (a lone surrogate). */
function percentEncoded(value: string): string | undefined {
  try {
    return encodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
