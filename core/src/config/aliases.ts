import { LlmError } from "../llm/llm-error.js";
import type { ModelTarget } from "../llm/target.js";
import { knownList } from "./config-error.js";
import type { ProjectConfig } from "./schema.js";

/** Alias names in file order. */
export const aliasNames = (config: Pick<ProjectConfig, "aliases">): string[] => Object.keys(config.aliases);

/**
 * The ordered, non-empty targets of an alias. Throws `LlmError` category "unknown-alias" naming
 * the alias and the known ones.
 */
export const resolveAlias = (config: Pick<ProjectConfig, "aliases">, alias: string): ModelTarget[] => {
  const targets = Object.hasOwn(config.aliases, alias) ? config.aliases[alias] : undefined;
  if (targets === undefined || targets.length === 0) {
    const known = aliasNames(config);
    const where = known.length === 0 ? 'no aliases are configured (add them under "aliases" in .escapement.json)' : knownList(alias, known);
    throw new LlmError("unknown-alias", `unknown model alias "${alias}": ${where}`);
  }
  return targets.map((target) => ({ ...target }));
};
