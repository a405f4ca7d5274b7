/** `${NAME}` references in MCP server settings, filled from the environment given as data. */

export type Env = Readonly<Record<string, string | undefined>>;

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A `${NAME}` whose variable is not set; names the setting, never a value. */
export class MissingEnvVarError extends Error {
  override readonly name = "MissingEnvVarError";
  readonly variable: string;
  readonly setting: string;

  constructor(variable: string, setting: string) {
    super(`${setting} uses \${${variable}}, which is not set`);
    this.variable = variable;
    this.setting = setting;
  }
}

/** Replaces every `${NAME}` in `value` with `env[NAME]`; throws MissingEnvVarError for an unset one. */
export const expandEnvRefs = (value: string, env: Env, setting: string): string =>
  value.replace(reference, (_match, name: string) => {
    const resolved = env[name];
    if (resolved === undefined) throw new MissingEnvVarError(name, setting);
    return resolved;
  });
