/**
 * Shrinking a failing run to a shorter one that fails the same way. A run is its seed plus the
 * choices it drew; a candidate replaces one choice with one of fast-check's shrinks of it (a
 * smaller payload, an earlier option, an answer instead of a cancel) and keeps every other choice
 * the run made, and choices the new path asks for afresh come from the seed. A candidate is kept
 * when it fails with the same signature in no more events; the search restarts from the kept run
 * until no shrink helps or the budget of runs is spent. First each model turn is dropped in turn
 * (the conversation's later choices move one turn earlier), then each value is shrunk. Shrinks
 * only make values smaller, and a
 * shorter path may need a larger one (three steps of 3 instead of four small ones): each choice
 * is also tried with a few fresh values, kept only when they fail in fewer events.
 */
import fc, { type Arbitrary, type Value } from "fast-check";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { hash32, mix32, type Decision } from "./decisions.js";
import type { SimRunResult } from "./sim-run.js";

export interface ShrinkOptions {
  /** Runs the shrinker may make (default 200). */
  maxRuns?: number;
  /** Shrinks tried per choice before the next choice (default 16). */
  perChoice?: number;
  /** Fresh values tried per choice (default 8). */
  fresh?: number;
}

export interface Shrunk {
  run: SimRunResult;
  /** Runs made while shrinking. */
  runs: number;
}

/** The identity of a failure: what kind, and which property or error category. */
export const failureSignature = (result: SimRunResult): string | undefined =>
  result.failure && `${result.failure.kind}:${result.failure.property ?? result.failure.message.split(":")[0]}`;

export async function shrinkRun(
  failing: SimRunResult,
  replay: (overrides: ReadonlyMap<string, Value<unknown>>) => Promise<SimRunResult>,
  options: ShrinkOptions = {},
): Promise<Shrunk> {
  const signature = failureSignature(failing);
  const maxRuns = options.maxRuns ?? 200;
  const perChoice = options.perChoice ?? 16;
  const fresh = options.fresh ?? 8;
  let best = failing;
  let runs = 0;
  /** Replays `best` with one choice replaced; true (and `best` moved) when the candidate is kept. */
  const attempt = async (key: string, candidate: Value<unknown>, shorterOnly: boolean): Promise<boolean> => {
    const overrides = new Map(best.decisions.map((kept) => [kept.key, kept.value] as const));
    overrides.set(key, candidate);
    return keep(overrides, shorterOnly);
  };
  const keep = async (overrides: ReadonlyMap<string, Value<unknown>>, shorterOnly: boolean): Promise<boolean> => {
    runs++;
    const result = await replay(overrides);
    const length = result.events.length;
    const shorter = length < best.events.length || (length === best.events.length && result.decisions.length < best.decisions.length);
    if (failureSignature(result) !== signature || length > best.events.length || (shorterOnly && !shorter)) return false;
    best = result;
    return true;
  };
  search: for (let round = 0; ; round++) {
    for (const overrides of turnDrops(best)) {
      if (runs >= maxRuns) break search;
      if (await keep(overrides, true)) continue search;
    }
    for (const decision of best.decisions) {
      let tried = 0;
      for (const candidate of decision.arbitrary.shrink(decision.value.value_, decision.value.context)) {
        if (runs >= maxRuns) break search;
        if (tried++ >= perChoice) break;
        if (await attempt(decision.key, candidate, false)) continue search;
      }
    }
    for (const decision of best.decisions) {
      for (let draw = 0; draw < fresh; draw++) {
        if (runs >= maxRuns) break search;
        if (await attempt(decision.key, freshValue(decision.arbitrary, `${decision.key}/${round}/${draw}`), true)) continue search;
      }
    }
    break;
  }
  return { run: best, runs };
}

/** A model choice's key: its conversation, its turn (see `requestFingerprint`), the first ask. */
const turnKey = /^(model:.*)\.(\d+)#1$/;

/** For each model turn of `run`, its choices with that turn dropped: each later turn of the conversation takes the choice of the one after it. */
function* turnDrops(run: SimRunResult): Generator<Map<string, Value<unknown>>> {
  const conversations = new Map<string, Decision[]>();
  for (const decision of run.decisions) {
    const match = turnKey.exec(decision.key);
    if (!match) continue;
    const turns = conversations.get(match[1]!) ?? [];
    turns.push(decision);
    conversations.set(match[1]!, turns);
  }
  for (const turns of conversations.values()) {
    turns.sort((a, b) => turnOf(a) - turnOf(b));
    for (let dropped = 0; dropped < turns.length; dropped++) {
      const overrides = new Map(run.decisions.map((kept) => [kept.key, kept.value] as const));
      for (let at = dropped; at < turns.length - 1; at++) overrides.set(turns[at]!.key, turns[at + 1]!.value);
      overrides.delete(turns.at(-1)!.key);
      yield overrides;
    }
  }
}

const turnOf = (decision: Decision): number => Number(turnKey.exec(decision.key)![2]);

const freshValue = (arbitrary: Arbitrary<unknown>, salt: string): Value<unknown> =>
  arbitrary.generate(new fc.Random(xoroshiro128plus(mix32(hash32(salt)))), undefined);
