import { isLlmError, LlmError } from "../llm-error.js";
import type { ModelClient, ModelResponse } from "../protocol.js";
import { preferencesOf, preferredAliases } from "../router/preferred-aliases.js";
import { ask, type AskOptions, type Prompt } from "./ask.js";
import { failureEnvelope, type ResultEnvelope, type ResultError } from "./envelope.js";

export interface ElectionTry {
  alias: string;
  envelope: ResultEnvelope;
}

export type Election =
  | { status: "ok"; alias: string; response: ModelResponse; tried: ElectionTry[] }
  | { status: "exhausted" | "error"; alias?: undefined; error: ResultError; tried: ElectionTry[] };

export interface ElectOptions extends Omit<AskOptions, "model" | "models"> {
  /** The probe. Default: a one-word question with `maxTokens: 16`. */
  probe?: Prompt;
  /**
   * A rating key (config `ratings`, e.g. "quality"): the candidates are tried highest score first;
   * ties and unrated aliases keep their order. Scores come from the router's `ratings`.
   */
  rankBy?: string;
}

export const defaultProbe = "Reply with the single word OK.";

/**
 * The first alias, in order, that answers a tiny probe. Unknown aliases are skipped without a
 * call. When none answers: `exhausted` if every failure may pass later, else `error` (the last
 * failure's category and message). Without `aliases`, a model router's candidates: its
 * `preferences` (config `preferences`), else every alias in config order. `rankBy` reorders the
 * candidates by one of the router's `ratings`.
 */
export async function electModel(client: ModelClient, aliases?: readonly string[], options: ElectOptions = {}): Promise<Election> {
  const { probe = defaultProbe, rankBy, ...rest } = options;
  const known = preferencesOf(client);
  if (aliases === undefined && known === undefined)
    throw new Error("electModel: no aliases to elect from (pass them, or a model router whose config has aliases)");
  const source = aliases === undefined ? known! : { aliases, preferences: aliases, ...(known?.ratings ? { ratings: known.ratings } : {}) };
  const candidates = preferredAliases(source, rankBy === undefined ? {} : { rankBy });
  return elect(client, candidates, probe, { ...rest, params: { maxTokens: 16, ...rest.params } });
}

/** Tries `prompt` on each alias in order until one answers. Shared by `electModel` and `mapPrompt`. */
export async function elect(client: ModelClient, aliases: readonly string[], prompt: Prompt, options: Omit<AskOptions, "model" | "models">): Promise<Election> {
  const tried: ElectionTry[] = [];
  if (aliases.length === 0) throw new Error("electModel: no aliases to elect from");
  for (const alias of aliases) {
    if (options.signal?.aborted) {
      tried.push({ alias, envelope: failureEnvelope(new LlmError("aborted", "election aborted")) });
      break;
    }
    let envelope: ResultEnvelope;
    try {
      client.assertAlias(alias);
      envelope = await ask(client, prompt, { ...options, model: alias });
    } catch (error) {
      if (!isLlmError(error)) throw error;
      envelope = failureEnvelope(error);
    }
    tried.push({ alias, envelope });
    if (envelope.status === "ok") return { status: "ok", alias, response: envelope.response!, tried };
  }
  const last = tried[tried.length - 1]!.envelope.error!;
  const allExhausted = tried.every((entry) => entry.envelope.status === "exhausted");
  return { status: allExhausted ? "exhausted" : "error", error: last, tried };
}
