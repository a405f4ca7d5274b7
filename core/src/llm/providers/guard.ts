import { wrapLanguageModel } from "ai";
import type { LanguageModelV3, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { LlmError } from "../llm-error.js";

/**
 * Wraps a V3 model so that
 * - a stream that ends without the provider's `finish` part, or whose finish carries no
 *   finish reason from the wire (cut short, or not the wire it should be), ends in an error instead of a silently partial reply (the AI SDK keeps partial
 *   output of such a stream as if it had finished);
 * - the provider's warnings go to `onWarnings` instead of the AI SDK's console logger.
 */
export function guardModel(model: LanguageModelV3, onWarnings?: (warnings: readonly unknown[]) => void): LanguageModelV3 {
  const report = (warnings: readonly unknown[] | undefined): void => {
    if (warnings !== undefined && warnings.length > 0) onWarnings?.(warnings);
  };
  return wrapLanguageModel({
    model,
    middleware: {
      specificationVersion: "v3",
      wrapGenerate: async ({ doGenerate }) => {
        const result = await doGenerate();
        report(result.warnings);
        return { ...result, warnings: [] };
      },
      wrapStream: async ({ doStream }) => {
        const result = await doStream();
        let finished = false;
        const stream = result.stream.pipeThrough(
          new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
            transform(part, controller) {
              if (part.type === "stream-start") {
                report(part.warnings);
                controller.enqueue({ ...part, warnings: [] });
                return;
              }
              // A provider that never saw a finish reason on the wire reports {unified: "other", raw: undefined}.
              if (part.type === "finish" && !(part.finishReason.unified === "other" && part.finishReason.raw === undefined)) finished = true;
              controller.enqueue(part);
            },
            flush(controller) {
              if (!finished)
                controller.enqueue({
                  type: "error",
                  error: new LlmError("transport", "the response stream ended before the model finished (cut short or malformed)"),
                });
            },
          }),
        );
        return { ...result, stream };
      },
    },
  });
}
