/**
 * The resilience policy: how the model router retries, fails over, caps the time to first token,
 * handles a reply cut off at `max_tokens`, and warns about a filling context window.
 * A router has defaults; a conversation's `resilience` param overrides them per section.
 */
import { z } from "zod";
import type { ModelTarget } from "../target.js";

/** `"provider:model"` or `{ provider, model, ...generation params }`. */
const targetRef = z.union([
  z.string().regex(/^[^:\s]+:\S.*$/, 'must be a target id "provider:model"'),
  z.looseObject({ provider: z.string().min(1), model: z.string().min(1) }),
]);

const retrySchema = z.strictObject({
  /** Tries per target, the first included. 1 = no retries. */
  maxAttempts: z.int().min(1).max(20).optional(),
  /** Delay before the first retry. */
  baseDelayMs: z.number().min(0).optional(),
  /** Each retry waits `factor` times longer than the one before. */
  factor: z.number().min(1).optional(),
  /** Ceiling of the computed delay (a server's retry-after may exceed it, up to maxRetryAfterMs). */
  maxDelayMs: z.number().min(0).optional(),
  /** Random spread: the delay is scaled by a factor in [1 - jitter, 1 + jitter]. */
  jitter: z.number().min(0).max(1).optional(),
  /** A retry-after longer than this is not waited for: the target is given up (failover). */
  maxRetryAfterMs: z.number().min(0).optional(),
});

const latencySchema = z.strictObject({
  /** A target that streams no first token within this many ms is abandoned (not the last one). */
  firstTokenMs: z.number().positive(),
  /** Where a latency switch goes first, before the rest of the chain. Default: the next target. */
  fallback: z.array(targetRef).min(1).optional(),
});

const overrunSchema = z.strictObject({
  /** Re-runs of the turn after a `max_tokens` stop. */
  retries: z.int().min(0).max(10),
  /** Added to the temperature on each re-run. */
  temperatureBump: z.number().min(0).max(2).optional(),
  /** Upper bound of a bumped temperature. Default 1. */
  maxTemperature: z.number().min(0).max(2).optional(),
  /** After the last re-run: return the cut-off reply ("truncate") or fail with `overrun`. */
  onExhausted: z.enum(["truncate", "fail"]),
});

const continuationSchema = z.strictObject({
  /** Most segments stitched into one reply, the first included. */
  maxSegments: z.int().min(1).max(50).optional(),
});

export const resiliencePolicySchema = z.strictObject({
  retry: retrySchema.optional(),
  /**
   * false: use only the first available target of the chain. true (default): the alias's targets,
   * then the request's fallback aliases. "preferences": as true, then every other alias of the
   * router's `preferences` (config `preferences`), in that order.
   */
  failover: z.union([z.boolean(), z.literal("preferences")]).optional(),
  /** A target given up for auth or transient errors is skipped by later calls for this long. */
  cooldownMs: z.number().min(0).optional(),
  latency: z.union([z.literal(false), latencySchema]).optional(),
  overrun: z.union([z.literal(false), overrunSchema]).optional(),
  continuation: z.union([z.literal(false), continuationSchema]).optional(),
  /** `llm/context-warning` when a reply leaves at least this fraction of the window used. */
  contextWarning: z.number().gt(0).max(1).optional(),
});

export type ResiliencePolicy = z.input<typeof resiliencePolicySchema>;
export type TargetRef = z.infer<typeof targetRef>;

/** A policy with every default filled in: what one call runs under. */
export interface ResolvedResilience {
  retry: Required<z.infer<typeof retrySchema>>;
  failover: boolean | "preferences";
  cooldownMs: number;
  latency: { firstTokenMs: number; fallback: ModelTarget[] } | undefined;
  overrun: { retries: number; temperatureBump: number; maxTemperature: number; onExhausted: "truncate" | "fail" } | undefined;
  continuation: { maxSegments: number } | undefined;
  contextWarning: number;
}

export const defaultRetry: ResolvedResilience["retry"] = {
  maxAttempts: 3,
  baseDelayMs: 500,
  factor: 2,
  maxDelayMs: 20_000,
  jitter: 0.25,
  maxRetryAfterMs: 60_000,
};

export const defaultResilience: ResolvedResilience = {
  retry: defaultRetry,
  failover: true,
  cooldownMs: 30_000,
  latency: undefined,
  overrun: undefined,
  continuation: { maxSegments: 4 },
  contextWarning: 0.8,
};

/** A policy that failed validation; the message names every bad field, e.g. `resilience.retry.maxAttempts`. */
export class ResiliencePolicyError extends Error {
  override readonly name = "ResiliencePolicyError";
  constructor(
    readonly issues: readonly { path: string; message: string }[],
    where: string,
  ) {
    super(`invalid ${where}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`);
  }
}

/** Validates a policy (unknown input, e.g. a chart param). Throws `ResiliencePolicyError`. */
export function parseResiliencePolicy(value: unknown, where = "resilience"): ResiliencePolicy {
  const result = resiliencePolicySchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((issue) => flatten(issue, [where]));
  throw new ResiliencePolicyError(issues, where);
}

/** One `{path, message}` per problem; a `false | {...}` section reports its object branch's problems. */
function flatten(issue: z.core.$ZodIssue, prefix: string[]): { path: string; message: string }[] {
  const at = [...prefix, ...issue.path.map(String)];
  if (issue.code === "unrecognized_keys") {
    return [{ path: at.join("."), message: `unknown field(s) ${issue.keys.map((key) => JSON.stringify(key)).join(", ")}` }];
  }
  if (issue.code === "invalid_union") {
    const branch = issue.errors.find((issues) => issues.some((inner) => inner.path.length > 0 || inner.code === "unrecognized_keys"));
    if (branch) return branch.flatMap((inner) => flatten(inner, at));
    return [{ path: at.join("."), message: "expected false or an object" }];
  }
  return [{ path: at.join("."), message: issue.message }];
}

export const toTarget = (ref: TargetRef): ModelTarget => {
  if (typeof ref !== "string") return ref;
  const colon = ref.indexOf(":");
  return { provider: ref.slice(0, colon), model: ref.slice(colon + 1) };
};

/**
 * Defaults, then the router's policy, then the call's: each section is merged field by field;
 * `false` turns a section off.
 */
export function resolveResilience(...layers: (ResiliencePolicy | undefined)[]): ResolvedResilience {
  let resolved: ResolvedResilience = defaultResilience;
  for (const layer of layers) {
    if (layer === undefined) continue;
    const next: ResolvedResilience = { ...resolved, retry: { ...resolved.retry } };
    if (layer.retry) {
      for (const [key, value] of Object.entries(layer.retry)) {
        if (value !== undefined) (next.retry as Record<string, number>)[key] = value;
      }
    }
    if (layer.failover !== undefined) next.failover = layer.failover;
    if (layer.cooldownMs !== undefined) next.cooldownMs = layer.cooldownMs;
    if (layer.contextWarning !== undefined) next.contextWarning = layer.contextWarning;
    if (layer.latency === false) next.latency = undefined;
    else if (layer.latency) {
      next.latency = {
        firstTokenMs: layer.latency.firstTokenMs,
        fallback: (layer.latency.fallback ?? []).map(toTarget),
      };
    }
    if (layer.overrun === false) next.overrun = undefined;
    else if (layer.overrun) {
      next.overrun = {
        retries: layer.overrun.retries,
        temperatureBump: layer.overrun.temperatureBump ?? 0,
        maxTemperature: layer.overrun.maxTemperature ?? 1,
        onExhausted: layer.overrun.onExhausted,
      };
    }
    if (layer.continuation === false) next.continuation = undefined;
    else if (layer.continuation) {
      next.continuation = { maxSegments: layer.continuation.maxSegments ?? resolved.continuation?.maxSegments ?? 4 };
    }
    resolved = next;
  }
  return resolved;
}
