/**
 * Several places a prompt may be answered from (the terminal's stdin and an AG-UI client, say):
 * each is asked, the first answer wins and the others are told to stop (their signal aborts). A
 * rejected answer and progress reach every renderer: whichever answers next gets it right.
 */
import type { HumanRenderer, PromptAnswer, PromptRequest } from "./human-renderer.js";

export function firstAnswer(renderers: readonly HumanRenderer[]): HumanRenderer {
  return {
    async ask(request: PromptRequest, signal: AbortSignal): Promise<PromptAnswer> {
      const asking = new AbortController();
      const stop = () => asking.abort(signal.reason);
      signal.addEventListener("abort", stop, { once: true });
      try {
        return await Promise.any(renderers.map((renderer) => renderer.ask(request, asking.signal)));
      } catch (error) {
        // Every renderer failed (or the run's signal aborted them all): the first reason is the one to tell.
        throw error instanceof AggregateError ? (signal.aborted ? signal.reason : error.errors[0]) : error;
      } finally {
        signal.removeEventListener("abort", stop);
        // The losers stop waiting: nothing they read later belongs to this prompt.
        asking.abort(new Error(`prompt ${request.promptId} was answered elsewhere`));
      }
    },
    progress(promptId, value, total) {
      for (const renderer of renderers) renderer.progress?.(promptId, value, total);
    },
    reject(promptId, reason) {
      for (const renderer of renderers) renderer.reject?.(promptId, reason);
    },
    answered(promptId) {
      for (const renderer of renderers) renderer.answered?.(promptId);
    },
  };
}
