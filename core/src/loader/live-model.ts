import { catalogFromConfig } from "../llm/catalog/index.js";
import { createTargetClient } from "../llm/providers/index.js";
import { createModelRouter } from "../llm/router/index.js";
import { targetId, type ModelTarget } from "../llm/target.js";
import { loadProjectConfig, type LoadedProjectConfig, type Secret } from "../config/index.js";
import type { ChartModel } from "./model-for-chart.js";
import type { ModelMiddleware } from "../llm/providers/middleware.js";
import { loadConfigMiddleware } from "./config-middleware.js";

export interface LiveModelOptions {
  /** Model middleware on every target's model (the config's `middleware`, loaded: `loadConfigMiddleware`). */
  middleware?: readonly ModelMiddleware[];
}

/**
 * The live model of a project: its `.escapement.json` aliases served through the resilience
 * router and the AI SDK providers. Undefined when the project defines no aliases, so a chart
 * without a project config never spends money by accident: it runs on its bundled cassette or script.
 */
export function liveModelFor(loaded: LoadedProjectConfig, options: LiveModelOptions = {}): ChartModel | undefined {
  const aliases = loaded.config.aliases;
  if (Object.keys(aliases).length === 0) return undefined;
  const providers = new Map(loaded.providers.map((provider) => [provider.name, provider]));
  const model = createModelRouter({
    aliases,
    catalog: catalogFromConfig(loaded),
    strict: loaded.config.eligibilityStrict,
    needs: (request) => request.needs,
    connect: (target: ModelTarget) =>
      createTargetClient(
        target,
        providers.get(target.provider)!,
        options.middleware && options.middleware.length > 0 ? { middleware: options.middleware } : {},
      ),
    ...(loaded.config.preferences ? { preferences: loaded.config.preferences } : {}),
    ...(loaded.config.ratings ? { ratings: loaded.config.ratings } : {}),
  });
  const served = Object.entries(aliases)
    .map(([alias, targets]) => `${alias} -> ${targets.map(targetId).join(", ")}`)
    .join("; ");
  return { model, source: `live: ${loaded.path} (${served})` };
}

/**
 * Every key the project config resolved (env vars, key stores, autodetected providers), whether
 * an alias uses it or not: what a run of this project must never write (`RunChartOptions.secrets`).
 */
export function projectSecrets(loaded: LoadedProjectConfig): Secret[] {
  return loaded.providers.flatMap((provider) => (provider.apiKey ? [provider.apiKey] : []));
}

/** Loads the project config found from `cwd` (a bad config throws ConfigError naming the key path). */
export function loadLiveModel(cwd: string, env: Readonly<Record<string, string | undefined>>): ChartModel | undefined {
  return liveModelFor(loadProjectConfig({ cwd, env }));
}

/** `loadLiveModel` with the config's `middleware` modules loaded and applied (a bad module throws ConfigError). */
export async function loadLiveModelWithMiddleware(cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<ChartModel | undefined> {
  const project = loadProjectConfig({ cwd, env });
  return liveModelFor(project, { middleware: await loadConfigMiddleware(project, { cwd }) });
}
