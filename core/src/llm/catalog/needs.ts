/**
 * The needs filter: which of an alias's targets can serve a conversation that needs, say, a
 * 100k context window and vision. Filters without reordering (the alias order is the
 * preference order). Pure: no I/O, no events; the router reports what it returns.
 */
import { z } from "zod";
import { LlmError } from "../llm-error.js";
import { targetId, type ModelTarget } from "../target.js";
import { lookupModel, type Catalog } from "./catalog.js";
import { factKeys, type FactKey, type ModelFacts } from "./facts.js";

const bound = z.number().nonnegative();

/** A bare number is equality; `[">=", n]` and `["<=", n]` are bounds. */
export const numericNeedSchema = z.union([bound, z.tuple([z.enum([">=", "<="]), bound])], {
  error: 'expected a number, [">=", n] or ["<=", n]',
});

export const needsSchema = z
  .strictObject({
    contextWindow: numericNeedSchema.optional(),
    maxOutput: numericNeedSchema.optional(),
    vision: z.boolean().optional(),
    toolCalling: z.boolean().optional(),
    reasoning: z.boolean().optional(),
  })
  .describe("what a conversation needs of its model; targets that fall short are skipped");

export type NumericNeed = z.infer<typeof numericNeedSchema>;
export type Needs = z.infer<typeof needsSchema>;

export interface Rejection {
  target: ModelTarget;
  /** One per unmet need, e.g. `contextWindow 8192, needs >= 100000`. */
  reasons: string[];
}

export interface Eligibility {
  /** Targets that meet the needs, in their original order. When `policyEmpty`, all targets. */
  eligible: ModelTarget[];
  /** Targets that do not, with why. Still listed when `policyEmpty` (for the event). */
  rejected: Rejection[];
  /** Eligible targets with facts the needs test but the catalog does not know (only when not strict). */
  unverified: Array<{ target: ModelTarget; unknown: FactKey[] }>;
  /** No target met the needs and the filter failed open: `eligible` is every target. Report `llm/model-policy-empty`. */
  policyEmpty: boolean;
  /** No target met the needs under `eligibilityStrict`: fail the call with this (category "invalid-request"). */
  error?: LlmError;
}

export interface FilterTargetsOptions {
  /** `eligibilityStrict`: an unknown fact does not qualify, and an empty result is an error. */
  strict?: boolean;
  /** Names the alias in the error message. */
  alias?: string;
}

/**
 * Splits `targets` into those that meet `needs` and those that do not, keeping order.
 *
 * Unknown facts (the catalog has no entry, or the entry lacks the fact): eligible when not
 * strict (the filter only rejects what it knows falls short; listed in `unverified`), not eligible
 * when strict. If nothing is eligible: not strict -> fail open (all targets, `policyEmpty`);
 * strict -> fail closed (`eligible` empty, `error` set).
 */
export const filterTargets = (targets: readonly ModelTarget[], needs: Needs, catalog: Catalog, options: FilterTargetsOptions = {}): Eligibility => {
  const strict = options.strict ?? false;
  const eligible: ModelTarget[] = [];
  const rejected: Rejection[] = [];
  const unverified: Eligibility["unverified"] = [];
  for (const target of targets) {
    const { reasons, unknown } = check(lookupModel(catalog, target), needs);
    if (strict) reasons.push(...unknown.map((key) => `${key} unknown (eligibilityStrict)`));
    if (reasons.length > 0) {
      rejected.push({ target, reasons });
      continue;
    }
    eligible.push(target);
    if (unknown.length > 0) unverified.push({ target, unknown });
  }
  if (targets.length === 0 || eligible.length > 0) return { eligible, rejected, unverified, policyEmpty: false };
  if (!strict) return { eligible: [...targets], rejected, unverified, policyEmpty: true };
  const what = options.alias === undefined ? "no target" : `no target of alias "${options.alias}"`;
  const why = rejected.map((r) => `${targetId(r.target)} (${r.reasons.join("; ")})`).join(", ");
  return {
    eligible: [],
    rejected,
    unverified,
    policyEmpty: false,
    error: new LlmError("invalid-request", `${what} meets the needs ${describeNeeds(needs)}: ${why}`),
  };
};

const check = (facts: ModelFacts | undefined, needs: Needs): { reasons: string[]; unknown: FactKey[] } => {
  const reasons: string[] = [];
  const unknown: FactKey[] = [];
  for (const key of factKeys) {
    const need = needs[key];
    if (need === undefined) continue;
    const fact = facts?.[key];
    if (fact === undefined) {
      unknown.push(key);
      continue;
    }
    if (!meets(fact, need)) reasons.push(`${key} ${String(fact)}, needs ${describeNeed(need)}`);
  }
  return { reasons, unknown };
};

const meets = (fact: number | boolean, need: NumericNeed | boolean): boolean => {
  if (typeof need === "boolean" || typeof need === "number") return fact === need;
  if (typeof fact !== "number") return false;
  const [op, n] = need;
  return op === ">=" ? fact >= n : fact <= n;
};

const describeNeed = (need: NumericNeed | boolean): string => (Array.isArray(need) ? `${need[0]} ${need[1]}` : String(need));

/** `{contextWindow >= 100000, vision true}`. */
export const describeNeeds = (needs: Needs): string =>
  `{${factKeys
    .filter((key) => needs[key] !== undefined)
    .map((key) => `${key} ${describeNeed(needs[key] as NumericNeed | boolean)}`)
    .join(", ")}}`;
