import { existsSync } from "node:fs";
import { join } from "node:path";
import { LlmError } from "../llm/llm-error.js";
import type { ModelClient } from "../llm/protocol.js";
import { readScriptFile, scriptedModel } from "../llm/index.js";

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
}

/** Until providers are configured, a chart runs on its bundled `script.json`. */
export async function modelForChart(chartDir: string): Promise<ChartModel> {
  const scriptPath = join(chartDir, "script.json");
  if (existsSync(scriptPath)) {
    return { model: scriptedModel(await readScriptFile(scriptPath)), source: `bundled script ${scriptPath} (no model calls are made)` };
  }
  return { model: unavailableModel(`no model provider is configured and ${chartDir} has no script.json`), source: "no model available" };
}
