import { fromPromise } from "xstate";
import type { PromptRequest } from "../human/human-renderer.js";
import { requestHumanInput, type PromptSpec } from "../human/request-input.js";
import type { PromptAnswer } from "../human/human-renderer.js";
import type { RunServices } from "../engine/run-services.js";
import { parentOf } from "../runtime/xstate-internals.js";
import { resolveParam, type Param, type ParamArgs } from "./param.js";
import { runServicesOf } from "../engine/run-services.js";

export interface HumanInputParams<TContext = any> {
  /** Invoke id; also the prompt id. */
  id: string;
  kind: PromptRequest["kind"];
  message: Param<string, TContext>;
  /** Choices for select and multi-select: plain values or {value, label}. */
  options?: Param<(string | { value: string; label: string })[], TContext>;
  default?: Param<unknown, TContext>;
  /** For progress prompts. */
  total?: Param<number, TContext>;
}

type HumanInputInput = Omit<PromptRequest, "schema" | "invokeId">;

/**
 * Asks the human while the state is active: `invoke: askHuman({...})`. A valid answer completes the
 * actor (`onDone`, answer in `event.output`); a cancel sends `human.cancelled` to the chart.
 * Progress prompts never complete; they close when the state is left.
 */
export function askHuman<TContext>(params: HumanInputParams<TContext>) {
  return {
    id: params.id,
    src: humanInputLogic,
    input: (args: ParamArgs<TContext>): HumanInputInput => {
      const options = resolveParam(params.options, args)?.map((option) => (typeof option === "string" ? { value: option, label: option } : option));
      const fallback = resolveParam(params.default, args);
      const total = resolveParam(params.total, args);
      return {
        promptId: params.id,
        kind: params.kind,
        message: resolveParam(params.message, args) ?? "",
        ...(options ? { options } : {}),
        ...(fallback === undefined ? {} : { default: fallback }),
        ...(total === undefined ? {} : { progress: { value: 0, total } }),
      };
    },
  };
}

export const humanInputLogic = fromPromise<unknown, HumanInputInput>(async ({ input, self, system, signal }) => {
  // xstate starts an invoked actor before it reports the step that entered its state: one
  // microtask lets that step's runner/event-processed row (a renderer's phase) go first.
  await Promise.resolve();
  if (signal.aborted) return new Promise<never>(() => {});
  const services = runServicesOf(system);
  const spec = { ...input, invokeId: self.id };
  if (input.kind === "progress") {
    services.transcript.append("human-input/requested", { ...spec, schema: { type: "null" } });
    return new Promise<never>(() => {});
  }
  const answer = await askWithdrawable(services, spec, signal);
  // The answer is recorded; reaching the chart is an external event the debugger may hold.
  const held = services.debug.enter(`${"cancelled" in answer ? "cancel of" : "answer to"} ${input.promptId}`, signal);
  if (held) await held;
  if (signal.aborted) return new Promise<never>(() => {});
  if ("cancelled" in answer) {
    parentOf(self)?.send({ type: "human.cancelled", promptId: input.promptId });
    return new Promise<never>(() => {});
  }
  return answer.value;
});

/**
 * `requestHumanInput`, and when the asker goes away first (its state was left, its conversation
 * ended) while the run goes on, a `human-input/cancelled` row with `reason: "withdrawn"`: the
 * prompt is closed for every renderer (a `prompt-closed` frame), so none keeps showing it.
 */
export async function askWithdrawable(services: RunServices, spec: PromptSpec, signal: AbortSignal): Promise<PromptAnswer> {
  try {
    return await requestHumanInput(services, spec, signal);
  } catch (error) {
    // At the end of the run runner/done closes every prompt, and the transcript is closed: no row then.
    if (signal.aborted && !services.signal.aborted) {
      try {
        services.transcript.append("human-input/cancelled", { promptId: spec.promptId, reason: "withdrawn" });
      } catch {
        // the run ended in the same step
      }
    }
    throw error;
  }
}
