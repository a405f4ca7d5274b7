import type { TranscriptWriter } from "../runtime/transcript-writer.js";
import type { InflightTracker } from "../runtime/inflight.js";
import type { HumanRenderer, PromptAnswer, PromptRequest } from "./human-renderer.js";
import { answerJsonSchema, answerSchema } from "./answer-schema.js";

export interface HumanInputDeps {
  transcript: TranscriptWriter;
  human: HumanRenderer;
  inflight: InflightTracker;
}

export type PromptSpec = Omit<PromptRequest, "schema">;

/**
 * Shows a prompt and waits for a valid answer: every answer is checked against the prompt's
 * schema, and an invalid one is rejected back to the renderer and asked again.
 */
export async function requestHumanInput(deps: HumanInputDeps, spec: PromptSpec, signal: AbortSignal): Promise<PromptAnswer> {
  const schema = answerSchema(spec.kind, spec.options);
  const request: PromptRequest = { ...spec, schema: answerJsonSchema(schema) };
  deps.transcript.append("human-input/requested", request);
  deps.transcript.flush();
  const done = deps.inflight.begin(`prompt ${spec.promptId}`);
  try {
    for (;;) {
      const answer = await deps.human.ask(request, signal);
      if ("cancelled" in answer) {
        deps.transcript.append("human-input/cancelled", { promptId: spec.promptId });
        deps.human.answered?.(spec.promptId);
        return answer;
      }
      const parsed = schema.safeParse(answer.value);
      if (parsed.success) {
        deps.transcript.append("human-input/answered", { promptId: spec.promptId, value: parsed.data });
        deps.human.answered?.(spec.promptId);
        return { value: parsed.data };
      }
      const reason = parsed.error.issues.map((issue) => issue.message).join("; ");
      deps.human.reject?.(spec.promptId, reason);
    }
  } finally {
    done();
  }
}
