import type { LanguageModelV3StreamPart } from "@ai-sdk/provider";
import type { TimedPart } from "./ai-sdk-response.js";

/** Waits `ms` (less when `signal` aborts); the caller checks the signal after. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** The parts at once: a replay that does not keep the recorded pace. */
export const instantStream = (parts: readonly TimedPart[]): ReadableStream<LanguageModelV3StreamPart> =>
  new ReadableStream({
    start(controller) {
      for (const { part } of parts) controller.enqueue(part);
      controller.close();
    },
  });

/** The parts at their recorded offsets, read on demand; an abort ends the stream with the signal's reason. */
export function pacedStream(parts: readonly TimedPart[], sleep: Sleep, signal: AbortSignal): ReadableStream<LanguageModelV3StreamPart> {
  let next = 0;
  let at = 0;
  return new ReadableStream({
    async pull(controller) {
      const timed = parts[next++];
      if (!timed) return controller.close();
      if (timed.atMs > at) {
        await sleep(timed.atMs - at, signal);
        at = timed.atMs;
      }
      if (signal.aborted) return controller.error(signal.reason);
      controller.enqueue(timed.part);
    },
  });
}
