import type { PermissionPolicy } from "./permission-policy.js";
import type { PermitFn } from "./permission-target.js";
import { describeTarget } from "./describe-target.js";

/** A permit for a tool called with nobody to ask: `ask` is a deny. */
export const permitWithoutHuman =
  (policy: PermissionPolicy, tool: string): PermitFn =>
  async (target) => {
    const verdict = policy.decide(tool, target);
    if (verdict.decision === "allow") return { allowed: true, rule: verdict.rule };
    const why = verdict.decision === "ask" ? "it needs a human's approval and nobody can be asked" : (verdict.reason ?? "the policy denies it");
    return { allowed: false, rule: verdict.rule, message: `permission denied: ${describeTarget(target)}: ${why} (${verdict.rule})` };
  };
