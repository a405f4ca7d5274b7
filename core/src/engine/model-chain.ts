import { existsSync } from "node:fs";
import type { ModelClient } from "../llm/protocol.js";
import { CassetteWriter, loopGuard, recordingModel, defaultLoopThreshold } from "../llm/cassette/index.js";
import type { Clock } from "../runtime/clock.js";

export interface ModelChainOptions {
  cassettePath: string;
  chartId: string;
  sessionId: string;
  clock: Clock;
  /** Calls already in the session's cassette (a resumed run continues numbering after them). */
  recordedCalls: number;
  /** Identical requests that stop the run; `false` turns the guard off. */
  loopThreshold: number | false;
  /** Record calls into the cassette (default true); false when `base` already records them (fleet children). */
  record?: boolean;
}

/** What every run's model calls go through: the loop guard, then the cassette recorder. */
export function buildModelChain(base: ModelClient, options: ModelChainOptions): { model: ModelClient; recorded: ModelClient; close(): void } {
  if (options.record === false) {
    const model = options.loopThreshold === false ? base : loopGuard(base, options.loopThreshold || defaultLoopThreshold);
    return { model, recorded: base, close: () => {} };
  }
  const writer = new CassetteWriter(options.cassettePath, {
    chartId: options.chartId,
    sessionId: options.sessionId,
    createdAt: options.clock.now(),
  });
  const recorded = recordingModel(base, writer, options.clock, options.recordedCalls + 1);
  const model = options.loopThreshold === false ? recorded : loopGuard(recorded, options.loopThreshold || defaultLoopThreshold);
  return { model, recorded, close: () => writer.close() };
}

export const cassetteExists = (path: string): boolean => existsSync(path);
