/**
 * `.escapement.json` text -> `ProjectConfig`, or a `ConfigError` naming every problem by key path:
 * JSON syntax (with line and column), the schema (strict objects: an unknown key anywhere is an
 * error), then the checks that span keys (unknown providers, dangling aliases, key stores).
 * Pure: no file system, no environment.
 */
import { z } from "zod";
import { compileRules, PermissionRulesError } from "../permissions/compile-policy.js";
import { ConfigError, formatKeyPath, knownList, type ConfigIssue } from "./config-error.js";
import { parseJsonText } from "./json-text.js";
import { builtinProviderKinds } from "../llm/providers/provider-kinds.js";
import { projectConfigSchema, type McpServerConfig, type ProjectConfig } from "./schema.js";

/** Parses and validates config text (or an already parsed value). `file` labels errors. */
export const parseProjectConfig = (input: string | unknown, file: string): ProjectConfig => {
  let value: unknown = input;
  if (typeof input === "string") {
    const parsed = parseJsonText(input);
    if (!parsed.ok) {
      const { message, line, column } = parsed.problem;
      throw new ConfigError(file, [{ path: "(root)", message: `invalid JSON: ${message}`, line, column }]);
    }
    value = parsed.value;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(file, [{ path: "(root)", message: "the config is a JSON object" }]);
  }
  const reserved = reservedKeys(value, []);
  if (reserved.length > 0) throw new ConfigError(file, reserved);
  const result = projectConfigSchema.safeParse(value);
  if (!result.success)
    throw new ConfigError(
      file,
      result.error.issues.flatMap((issue) => fromZodIssue(issue, value)),
    );
  const issues = crossCheck(result.data);
  if (issues.length > 0) throw new ConfigError(file, issues);
  return result.data;
};

/** `__proto__` as a key (JSON.parse keeps it as an own key) would be dropped or worse by object spreads: reject it. */
const reservedKeys = (value: unknown, path: Array<string | number>): ConfigIssue[] => {
  if (typeof value !== "object" || value === null) return [];
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(value)) {
    const childPath = [...path, Array.isArray(value) ? Number(key) : key];
    if (key === "__proto__") issues.push({ path: formatKeyPath(childPath), message: 'reserved key "__proto__"' });
    else issues.push(...reservedKeys((value as Record<string, unknown>)[key], childPath));
  }
  return issues;
};

/**
 * Provider names targets may use: every credentials entry, plus each built-in kind that no
 * credentials entry replaces (an entry of kind "anthropic" replaces the built-in "anthropic").
 */
export const knownProviderNames = (config: Pick<ProjectConfig, "credentials">): string[] => {
  const names = config.credentials.map((descriptor) => descriptor.name);
  const kinds = new Set(config.credentials.map((descriptor) => descriptor.kind));
  for (const kind of builtinProviderKinds) {
    if (!kinds.has(kind) && !names.includes(kind)) names.push(kind);
  }
  return names;
};

const crossCheck = (config: ProjectConfig): ConfigIssue[] => {
  const issues: ConfigIssue[] = [];
  const add = (path: PropertyKey[], message: string): void => {
    issues.push({ path: formatKeyPath(path), message });
  };

  const firstByName = new Map<string, number>();
  config.credentials.forEach((descriptor, index) => {
    const earlier = firstByName.get(descriptor.name);
    if (earlier !== undefined) {
      add(["credentials", index, "name"], `duplicate provider name "${descriptor.name}" (also credentials[${earlier}])`);
    } else {
      firstByName.set(descriptor.name, index);
    }
    if (descriptor.apiKeyEnv !== undefined && descriptor.keyFrom !== undefined) {
      add(["credentials", index], "give apiKeyEnv or keyFrom, not both");
    }
    if (descriptor.kind === "openai-compatible" && descriptor.baseURL === undefined) {
      add(["credentials", index, "baseURL"], 'required for kind "openai-compatible"');
    }
    const source = descriptor.keyFrom?.[0];
    if (source !== undefined && !Object.hasOwn(config.credentialSources, source)) {
      add(["credentials", index, "keyFrom", 0], `unknown key store "${source}" ${knownList(source, Object.keys(config.credentialSources))}`);
    }
  });

  const providers = knownProviderNames(config);
  const replaced = new Map(config.credentials.map((descriptor) => [descriptor.kind as string, descriptor.name]));
  const unknownProvider = (name: string): string => {
    const replacedBy = replaced.get(name);
    const hint = replacedBy !== undefined && replacedBy !== name ? ` (credentials entry "${replacedBy}" replaces the built-in "${name}")` : "";
    return `unknown provider "${name}"${hint} ${knownList(name, providers)}`;
  };
  for (const [alias, targets] of Object.entries(config.aliases)) {
    targets.forEach((target, index) => {
      if (!providers.includes(target.provider)) add(["aliases", alias, index, "provider"], unknownProvider(target.provider));
    });
  }

  const aliases = Object.keys(config.aliases);
  const seen = new Set<string>();
  config.preferences.forEach((alias, index) => {
    if (!Object.hasOwn(config.aliases, alias)) add(["preferences", index], `unknown alias "${alias}" ${knownList(alias, aliases)}`);
    else if (seen.has(alias)) add(["preferences", index], `alias "${alias}" is listed twice`);
    seen.add(alias);
  });
  for (const alias of Object.keys(config.ratings)) {
    if (!Object.hasOwn(config.aliases, alias)) add(["ratings", alias], `unknown alias "${alias}" ${knownList(alias, aliases)}`);
  }
  for (const key of Object.keys(config.catalog)) {
    const provider = key.slice(0, key.indexOf(":"));
    if (!providers.includes(provider)) add(["catalog", key], unknownProvider(provider));
  }
  config.middleware.forEach((entry, index) => {
    if (typeof entry === "string") return;
    entry.aliases?.forEach((alias, at) => {
      if (!Object.hasOwn(config.aliases, alias)) add(["middleware", index, "aliases", at], `unknown alias "${alias}" ${knownList(alias, aliases)}`);
    });
  });
  for (const [name, server] of Object.entries(config.mcpServers)) issues.push(...checkMcpServer(name, server));
  issues.push(...checkPermissions(config));
  return issues;
};

const stdioOnly = ["args", "env", "cwd", "restarts"] as const;
/** `${NAME}` is the only reference syntax; anything else after `${` is a typo to report. */
const badEnvRef = /\$\{(?![A-Za-z_][A-Za-z0-9_]*\})/;

const checkMcpServer = (name: string, server: McpServerConfig): ConfigIssue[] => {
  const issues: ConfigIssue[] = [];
  const add = (path: PropertyKey[], message: string): void => {
    issues.push({ path: formatKeyPath(["mcpServers", name, ...path]), message });
  };
  if (server.command === undefined && server.url === undefined) {
    add([], 'give "command" (a stdio server) or "url" (a streamable HTTP server)');
  } else if (server.command !== undefined && server.url !== undefined) {
    add([], 'give "command" (a stdio server) or "url" (a streamable HTTP server), not both');
  } else if (server.url !== undefined) {
    for (const key of stdioOnly) if (server[key] !== undefined) add([key], 'only for a stdio server ("command"), not with "url"');
  } else if (server.headers !== undefined) {
    add(["headers"], 'only for an HTTP server ("url"), not with "command"');
  }
  const refs: Array<[PropertyKey[], string]> = [
    ...(server.args ?? []).map((arg, index): [PropertyKey[], string] => [["args", index], arg]),
    ...Object.entries(server.env ?? {}).map(([key, value]): [PropertyKey[], string] => [["env", key], value]),
    ...Object.entries(server.headers ?? {}).map(([key, value]): [PropertyKey[], string] => [["headers", key], value]),
  ];
  for (const [path, value] of refs) {
    if (badEnvRef.test(value)) add(path, "a reference to an environment variable is ${NAME} (letters, digits, _)");
  }
  return issues;
};

// ---- zod issues -> config issues -------------------------------------------------------------

const fromZodIssue = (issue: z.core.$ZodIssue, root: unknown): ConfigIssue[] => {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== "symbol");
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = allowedKeysAt(path);
      return issue.keys.map((key) => ({
        path: formatKeyPath([...path, key]),
        message: allowed ? `unknown key ${knownList(key, allowed, "allowed")}` : "unknown key",
      }));
    }
    case "invalid_key":
      return [{ path: formatKeyPath(path), message: `bad key: ${issue.issues[0]?.message ?? issue.message}` }];
    case "invalid_value": {
      const input = valueAt(root, path);
      const options = issue.values.map(String);
      const what = path.at(-1) === "kind" ? "provider kind" : "value";
      return [{ path: formatKeyPath(path), message: `unknown ${what} ${JSON.stringify(input)} ${knownList(String(input), options)}` }];
    }
    case "invalid_type": {
      const input = valueAt(root, path);
      const message = input === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${jsonType(input)}`;
      return [{ path: formatKeyPath(path), message }];
    }
    case "invalid_union": {
      // When exactly one option has the right shape, its own problems say more than "no option matched".
      const near = issue.errors.filter((errors) => !errors.some((e) => e.code === "invalid_type" && e.path.length === 0));
      if (near.length === 1 && near[0] && near[0].length > 0) {
        return near[0].flatMap((inner) => fromZodIssue({ ...inner, path: [...issue.path, ...inner.path] }, root));
      }
      return [{ path: formatKeyPath(path), message: issue.message }];
    }
    case "too_small":
    case "too_big": {
      if (!/^Too (small|big)/.test(issue.message)) return [{ path: formatKeyPath(path), message: issue.message }];
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const op = issue.code === "too_small" ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
      const what = issue.origin === "array" ? "item count" : issue.origin === "string" ? "length" : "value";
      return [{ path: formatKeyPath(path), message: `${what} must be ${op} ${String(bound)}` }];
    }
    default:
      return [{ path: formatKeyPath(path), message: issue.message }];
  }
};

const jsonType = (value: unknown): string => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "object" ? "object" : typeof value);

const valueAt = (root: unknown, path: readonly (string | number)[]): unknown => {
  let current = root;
  for (const segment of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
};

/** The keys a strict object at `path` allows, found by walking the schema. */
const allowedKeysAt = (path: readonly (string | number)[]): string[] | undefined => {
  let schema: z.ZodType | undefined = projectConfigSchema;
  for (const segment of path) {
    schema = schema && child(unwrap(schema), segment);
  }
  const object = schema && objectOf(unwrap(schema));
  return object instanceof z.ZodObject ? Object.keys(object.shape) : undefined;
};

const unwrap = (schema: z.ZodType): z.ZodType => {
  let current: z.ZodType = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
    else return current;
  }
};

/** The object a union holds among its options (a value that is a string or an object, say). */
const objectOf = (schema: z.ZodType): z.ZodType => {
  if (!(schema instanceof z.ZodUnion)) return schema;
  const object = (schema.options as z.ZodType[]).find((option) => unwrap(option) instanceof z.ZodObject);
  return object ? unwrap(object) : schema;
};

const child = (schema: z.ZodType, segment: string | number): z.ZodType | undefined => {
  if (schema instanceof z.ZodObject) return (schema.shape as Record<string, z.ZodType>)[String(segment)];
  if (schema instanceof z.ZodArray) return schema.element as z.ZodType;
  if (schema instanceof z.ZodRecord) return schema.valueType as z.ZodType;
  if (schema instanceof z.ZodUnion) {
    const object = (schema.options as z.ZodType[]).find((option) => unwrap(option) instanceof z.ZodObject);
    return object && child(unwrap(object), segment);
  }
  return undefined;
};

/** Patterns compile; `<server>__*` names a configured MCP server. Tool names are checked when a run knows its tools. */
const checkPermissions = (config: ProjectConfig): ConfigIssue[] => {
  try {
    compileRules(config.permissions, 1, "config");
  } catch (error) {
    if (error instanceof PermissionRulesError) return [{ path: error.path, message: error.detail }];
    throw error;
  }
  const servers = Object.keys(config.mcpServers);
  return Object.keys(config.permissions)
    .filter((key) => key.endsWith("__*") && !servers.includes(key.slice(0, -3)))
    .map((key) => ({
      path: formatKeyPath(["permissions", key]),
      message: `no MCP server "${key.slice(0, -3)}" in mcpServers ${knownList(key.slice(0, -3), servers)}`,
    }));
};
