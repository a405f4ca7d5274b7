/**
 * Where a simulated run's choices come from. Every choice (a model's reply, a human's answer) is
 * drawn under a key that names what was asked (a hash of the request, and how many times the same
 * request came before), from a generator seeded by the run's seed and that key. So a run is a
 * function of its seed even when concurrent conversations (a fleet's children) ask in a different
 * order each time, and a shrinker can replace one choice and replay the rest.
 */
import fc, { type Arbitrary, type Value } from "fast-check";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** One choice a run made: under which key, from which arbitrary, which value (with its shrink context). */
export interface Decision {
  key: string;
  arbitrary: Arbitrary<unknown>;
  value: Value<unknown>;
}

/** murmur3's finalizer: every bit of the key's hash moves every bit of the generator's seed (nearby hashes give unrelated draws). */
export const mix32 = (value: number): number => {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

/** How often an arbitrary yields its small and edge values (fast-check's bias: lower is more often). */
const BIAS = 4;

/** FNV-1a, 32 bits: a key's hash, and a request's fingerprint. */
export function hash32(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let index = 0; index < text.length; index++) {
    h ^= text.charCodeAt(index);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class DecisionSource {
  /** Every choice made, in the order asked. */
  readonly taken: Decision[] = [];
  readonly #seed: number;
  readonly #overrides: ReadonlyMap<string, Value<unknown>>;
  readonly #seen = new Map<string, number>();

  /** `overrides`: values to use instead of drawing, by key (a shrinker's candidate). */
  constructor(seed: number, overrides: ReadonlyMap<string, Value<unknown>> = new Map()) {
    this.#seed = seed;
    this.#overrides = overrides;
  }

  /** A value of `arbitrary` for the `n`th ask of `what`. */
  draw<T>(what: string, arbitrary: Arbitrary<T>): T {
    const n = (this.#seen.get(what) ?? 0) + 1;
    this.#seen.set(what, n);
    const key = `${what}#${n}`;
    const value =
      (this.#overrides.get(key) as Value<T> | undefined) ?? arbitrary.generate(new fc.Random(xoroshiro128plus(mix32(hash32(key, mix32(this.#seed))))), BIAS);
    this.taken.push({ key, arbitrary: arbitrary, value });
    return value.value;
  }
}
