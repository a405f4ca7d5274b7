import { existsSync } from "node:fs";
import { join } from "node:path";
import { LlmError } from "../llm/llm-error.js";
import type { ModelClient } from "../llm/protocol.js";
import { readScriptFile, scriptedModel } from "../llm/index.js";
import { CassetteModel, loadCassette } from "../llm/cassette/index.js";
import { UsageError } from "../runtime/usage-error.js";

/** Answers nothing: the client used when no provider is configured and the chart ships no script. */
export const unavailableModel = (why: string): ModelClient => ({
  assertAlias(alias) {
    throw new LlmError("auth", `cannot serve model alias "${alias}": ${why}`);
  },
  async call(request) {
    throw new LlmError("auth", `cannot serve model alias "${request.model}": ${why}`);
  },
});

export interface ChartModel {
  model: ModelClient;
  /** What the user is told about where model answers come from. */
  source: string;
  /** With `--replay`: the session the cassette was recorded in. */
  replayOf?: string;
}

export interface ReplayFlags {
  /** A session directory or a cassette file to serve calls from. */
  replay?: string;
  /** Go live at the first miss instead of stopping. */
  fork?: boolean;
  /** Go live from this call position. */
  forkAt?: number;
  /** Answer from this script file instead (no model calls). */
  script?: string;
}

/**
 * Where a chart's model answers come from, first match wins: `--replay` (a recorded cassette,
 * strict or forking to live), the chart's bundled `cassette.jsonl`, its bundled `script.json`.
 */
export async function modelForChart(chartDir: string, chartId: string, flags: ReplayFlags, live?: ChartModel): Promise<ChartModel> {
  if (flags.replay !== undefined) {
    const cassette = await loadCassette(flags.replay, chartId);
    const fork = flags.fork === true || flags.forkAt !== undefined;
    if (fork && !live) throw new UsageError("--fork needs a live model, and no provider is configured");
    const model = new CassetteModel(cassette, {
      timing: "recorded",
      mode: fork ? "fork" : "strict",
      ...(flags.forkAt === undefined ? {} : { forkAt: flags.forkAt }),
      ...(fork && live ? { live: live.model } : {}),
    });
    const how = fork ? `forking to ${live!.source} ${flags.forkAt ? `at call ${flags.forkAt}` : "at the first miss"}` : "strict: a miss stops the run";
    return { model, source: `cassette ${cassette.path} (${cassette.calls.length} calls; ${how})`, replayOf: cassette.header.sessionId };
  }
  if (flags.script !== undefined) {
    return { model: scriptedModel(await readScriptFile(flags.script)), source: `script ${flags.script} (no model calls are made)` };
  }
  if (live) return live;
  const cassettePath = join(chartDir, "cassette.jsonl");
  const scriptPath = join(chartDir, "script.json");
  const script = existsSync(scriptPath) ? scriptedModel(await readScriptFile(scriptPath)) : undefined;
  if (existsSync(cassettePath)) {
    const cassette = await loadCassette(cassettePath, chartId);
    // A request the recording never saw (other --param values, say) falls back to the bundled script.
    const model = new CassetteModel(cassette, { timing: "recorded", ...(script ? { mode: "fork", live: script, liveSkipsServed: true } : { mode: "strict" }) });
    const fallback = script ? `, falling back to ${scriptPath} on a miss` : "";
    return { model, source: `bundled cassette ${cassettePath} (replayed: no model calls, no cost${fallback})` };
  }
  if (script) return { model: script, source: `bundled script ${scriptPath} (no model calls are made)` };
  return { model: unavailableModel(`no model provider is configured and ${chartDir} has no cassette.jsonl or script.json`), source: "no model available" };
}
