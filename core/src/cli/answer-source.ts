/**
 * Which recording a run's model answers come from, read the way `modelForChart` chooses, first
 * match wins: `--replay` (strict, or forking to live), `--script`, live aliases, the chart's
 * bundled cassette.jsonl (falling back to its script.json), its bundled script.json.
 */
import { existsSync } from "node:fs";
import { join, relative, isAbsolute } from "node:path";
import { loadCassette } from "../llm/cassette/index.js";
import type { AnswerSource } from "./param-notice.js";

export interface AnswerFlags {
  replay?: string;
  fork?: boolean;
  forkAt?: number;
  script?: string;
}

/** A path as the user would type it: relative to `cwd` when inside it. */
const shown = (path: string, cwd: string): string => {
  const rel = relative(cwd, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
};

export async function answerSource(chartDir: string, chartId: string, flags: AnswerFlags, live: boolean, cwd: string): Promise<AnswerSource> {
  const cassette = async (path: string, fallback: { script: string } | "stop"): Promise<AnswerSource> => {
    const loaded = await loadCassette(path, chartId);
    return { kind: "cassette", path: shown(loaded.path, cwd), requests: loaded.calls.map((call) => JSON.stringify(call.request)), fallback };
  };
  if (flags.replay !== undefined) return flags.fork || flags.forkAt !== undefined ? { kind: "live" } : cassette(flags.replay, "stop");
  if (flags.script !== undefined) return { kind: "script", path: shown(flags.script, cwd) };
  if (live) return { kind: "live" };
  const cassettePath = join(chartDir, "cassette.jsonl");
  const scriptPath = join(chartDir, "script.json");
  const script = existsSync(scriptPath) ? shown(scriptPath, cwd) : undefined;
  if (existsSync(cassettePath)) return cassette(cassettePath, script ? { script } : "stop");
  return script ? { kind: "script", path: script } : { kind: "live" };
}
