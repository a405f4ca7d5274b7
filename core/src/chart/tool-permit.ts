import { describeTarget, type PermissionPolicy, type PermissionTarget, type Permit, type PermitFn, type Verdict } from "../permissions/index.js";
import { requestHumanInput } from "../human/request-input.js";
import type { RunServices } from "../engine/run-services.js";
import { grantKey } from "../engine/run-permissions.js";

/** One tool call: who asks, for what, in which conversation turn. */
export interface ToolCallRef {
  invokeId: string;
  stateId: string;
  turn: number;
  toolCallId: string;
  tool: string;
}

/** How a human answers a permission prompt. */
export const permissionAnswers = ["once", "run", "deny"] as const;
export type PermissionAnswer = (typeof permissionAnswers)[number];

const answerOptions = [
  { value: "once", label: "Allow once" },
  { value: "run", label: "Allow for this run" },
  { value: "deny", label: "Deny" },
];

/**
 * The permit a tool call uses: the policy decides; `ask` goes to the human as a prompt (allow
 * once, allow for this run, deny), or is a denial when nobody can answer. Every decision is a
 * `tool/permission` row, written before the tool touches anything.
 */
export const toolPermit = (services: RunServices, policy: PermissionPolicy, call: ToolCallRef, signal: AbortSignal): PermitFn => {
  let asked = 0;
  return async (target) => {
    const verdict = policy.decide(call.tool, target);
    const shown = describeTarget(target);
    const grant = grantKey(call.tool, shown);
    if (verdict.decision !== "ask") return record(services, call, target, verdict.decision === "allow", verdict, {});
    if (services.permissions.grants.has(grant)) {
      return record(services, call, target, true, { ...verdict, rule: "human: allowed for this run" }, {});
    }
    if (!services.humanPresent) return record(services, call, target, false, verdict, { asked: false, answer: "no-human" });
    const answer = await requestHumanInput(
      services,
      {
        promptId: `permission-${call.toolCallId}-${++asked}`,
        invokeId: call.invokeId,
        kind: "select",
        message: `${call.tool} wants to ${shown}. Allow? (${verdict.rule})`,
        options: answerOptions,
        default: "deny",
      },
      signal,
    );
    const value = "cancelled" in answer ? "cancelled" : (answer.value as PermissionAnswer);
    if (value === "run") services.permissions.grants.add(grant);
    const allowed = value === "once" || value === "run";
    return record(
      services,
      call,
      target,
      allowed,
      { ...verdict, rule: allowed ? `human: ${value === "run" ? "allowed for this run" : "allowed once"}` : `human: denied (${verdict.rule})` },
      {
        asked: true,
        answer: value,
      },
    );
  };
};

const record = (
  services: RunServices,
  call: ToolCallRef,
  target: PermissionTarget,
  allowed: boolean,
  verdict: Verdict,
  prompt: { asked?: boolean; answer?: string },
): Permit => {
  const shown = describeTarget(target);
  services.transcript.append("tool/permission", {
    invokeId: call.invokeId,
    turn: call.turn,
    toolCallId: call.toolCallId,
    tool: call.tool,
    targetKind: target.kind,
    target: shown,
    decision: allowed ? "allow" : "deny",
    rule: verdict.rule,
    ...(prompt.asked === undefined ? {} : { asked: prompt.asked }),
    ...(prompt.answer === undefined ? {} : { answer: prompt.answer }),
  });
  if (allowed) return { allowed, rule: verdict.rule };
  const why =
    prompt.answer === "no-human"
      ? "it needs a human's approval and nobody can be asked in this run"
      : prompt.asked
        ? "the human denied it"
        : (verdict.reason ?? "the policy denies it");
  return {
    allowed,
    rule: verdict.rule,
    message: `permission denied: ${call.tool} may not ${shown}: ${why} (${verdict.rule}). Do something else, or ask the user to change the permissions.`,
  };
};
