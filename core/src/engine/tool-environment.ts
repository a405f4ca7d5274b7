import { kindDefaults } from "../llm/providers/provider-kinds.js";

/**
 * The environment of processes tools start: `env` without provider keys (each kind's usual
 * variable and any `extraKeyVars`, e.g. a credential's own `apiKeyEnv`), so a shell command the
 * model writes cannot read or send them.
 */
export const toolEnvironment = (env: NodeJS.ProcessEnv, extraKeyVars: readonly string[] = []): NodeJS.ProcessEnv => {
  const keys = new Set([...Object.values(kindDefaults).flatMap((kind) => (kind.keyEnv ? [kind.keyEnv] : [])), ...extraKeyVars]);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !keys.has(name)));
};
