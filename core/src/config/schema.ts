/**
 * The zod schema of `.escapement.json`. The published JSON Schema
 * (core/schema/escapement-config.schema.json) is generated from it; checks that span keys
 * (dangling aliases, unknown providers, key stores) run after it, in validate.ts.
 */
import { z } from "zod";
import { modelFactsOverlaySchema } from "../llm/catalog/facts.js";
import { providerKinds } from "../llm/providers/provider-kinds.js";
import { maxHeadersTimeoutMs } from "../llm/providers/timed-fetch.js";
import { permissionRulesSchema, sandboxSettingsSchema } from "../permissions/permission-rules.js";

/** Provider names: no `:` (it separates provider and model in a target id). */
export const providerNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Alias names: no `:`, so an alias never looks like a `provider:model` target id. */
export const aliasNamePattern = /^(?!__proto__$)[A-Za-z0-9_][A-Za-z0-9._-]*$/;
/** Key store names. */
export const sourceNamePattern = /^(?!__proto__$)[A-Za-z0-9_][A-Za-z0-9._-]*$/;
/** `<provider>:<model>`; the model part may itself contain `:` (e.g. OpenRouter's `:free`). */
export const catalogKeyPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*:.+$/;
const envVarPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * MCP server names prefix their tools' names (`<server>__<tool>`), so they use the provider
 * tool-name charset (letters, digits, _ -), hold no `__` and do not end in `_`.
 */
export const mcpServerNamePattern = /^(?!.*__)[A-Za-z0-9](?:[A-Za-z0-9_-]{0,30}[A-Za-z0-9-])?$/;
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const aliasName = z.string().regex(aliasNamePattern, { error: "an alias name is letters, digits, _ . - (no :)" });

export const modelTargetSchema = z
  .strictObject({
    provider: z
      .string()
      .regex(providerNamePattern, { error: "a provider name is letters, digits, . _ - (no :)" })
      .describe("a provider name: one from `credentials`, or a built-in kind (anthropic, openai, openrouter, zai, ollama)"),
    model: z.string().min(1).describe("the provider's own model id, e.g. claude-sonnet-4-5 or anthropic/claude-sonnet-4.5 on OpenRouter"),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    maxTokens: z.number().int().positive().optional().describe("most output tokens per response"),
    thinking: z
      .union([z.boolean(), z.strictObject({ budgetTokens: z.number().int().positive() })], {
        error: 'expected true, false or {"budgetTokens": <tokens>}',
      })
      .optional()
      .describe("extended thinking: true, false, or a token budget"),
    promptCaching: z
      .union([z.boolean(), z.strictObject({ system: z.boolean().optional(), tools: z.boolean().optional(), messages: z.boolean().optional() })], {
        error: 'expected true, false or {"system"?, "tools"?, "messages"?: boolean}',
      })
      .optional()
      .describe("Anthropic prompt caching: on by default; false turns it off, an object turns single breakpoints off"),
    headersTimeoutMs: z
      .number()
      .int()
      .positive()
      .max(maxHeadersTimeoutMs)
      .optional()
      .describe(
        "most ms a streamed request waits for the response headers, connecting included; then it fails with a transient timeout (retried, then failover). Default 30000",
      ),
    responseTimeoutMs: z
      .number()
      .int()
      .positive()
      .max(maxHeadersTimeoutMs)
      .optional()
      .describe(
        "most ms an unstreamed request waits for its whole reply, connecting included; then it fails with a transient timeout (retried, then failover). Default 120000",
      ),
  })
  .describe("one concrete model at one provider");

export const credentialDescriptorSchema = z
  .strictObject({
    name: z.string().regex(providerNamePattern, { error: "a provider name is letters, digits, . _ - (no :)" }).describe("the provider name targets use"),
    kind: z.enum(providerKinds).describe("the wire dialect: which adapter serves this provider"),
    baseURL: z
      .url({ protocol: /^https?$/, error: "baseURL must be an http(s) URL" })
      .optional()
      .describe("default: the kind's public endpoint (required for openai-compatible)"),
    apiKeyEnv: z
      .string()
      .regex(envVarPattern, { error: "an environment variable name" })
      .optional()
      .describe("environment variable holding the API key (default: the kind's usual one, e.g. ANTHROPIC_API_KEY)"),
    keyFrom: z
      .array(z.string().min(1))
      .min(2, { error: 'keyFrom is [source, ...jsonPath], e.g. ["vault", "anthropic", "key"]' })
      .optional()
      .describe("the key from a key store: [source, ...path into its JSON]"),
    headers: z.record(z.string(), z.string()).optional().describe("extra HTTP headers sent with every request"),
  })
  .describe("one provider: a name, its wire dialect, where it is, and where its key comes from");

export const credentialSourceSchema = z
  .strictObject({
    file: z.string().min(1).describe("path of a JSON file (~ is the home directory; relative to the config file)"),
  })
  .describe("an external JSON key store");

/**
 * One MCP server: a stdio server (`command`, `args`, `env`, `cwd`) or a streamable HTTP server
 * (`url`, `headers`). One object with every key optional, so a wrong key is named precisely; which
 * keys go together is checked in validate.ts.
 */
export const mcpServerSchema = z
  .strictObject({
    command: z.string().min(1).optional().describe("stdio server: the program to start (found on PATH)"),
    args: z.array(z.string()).optional().describe("stdio server: its arguments; ${VAR} is replaced from the environment"),
    env: z
      .record(z.string().regex(envVarPattern, { error: "an environment variable name" }), z.string())
      .optional()
      .describe("stdio server: variables added to a minimal inherited environment (HOME, PATH, ...); values may use ${VAR}"),
    cwd: z.string().min(1).optional().describe("stdio server: working directory, relative to the config file (default: its directory)"),
    url: z
      .url({ protocol: /^https?$/, error: "url must be an http(s) URL" })
      .optional()
      .describe("streamable HTTP server: its endpoint"),
    headers: z
      .record(z.string().regex(headerNamePattern, { error: "an HTTP header name" }), z.string())
      .optional()
      .describe("HTTP server: headers sent with every request; values may use ${VAR}"),
    startupTimeoutMs: z.number().int().positive().optional().describe("most time to connect and list tools (default 30000)"),
    toolTimeoutMs: z.number().int().positive().optional().describe("most time one tool call may take (default 300000)"),
    restarts: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("stdio server: how often it is started again after it exits during a run, at the next call of one of its tools (default 3; 0: never)"),
  })
  .describe('an MCP server: {"command", "args"?, "env"?, "cwd"?} (stdio) or {"url", "headers"?} (streamable HTTP)');

/**
 * One model middleware module: its path (relative to the config file), alone (every alias) or with
 * the aliases it is limited to. The module's default export is an AI SDK LanguageModelMiddleware,
 * an entry `{ name?, aliases?, middleware }`, or an array of them (loader/config-middleware.ts).
 */
export const middlewareModuleSchema = z.union(
  [
    z.string().min(1).describe("path of the module, relative to the config file; applies to every alias"),
    z
      .strictObject({
        module: z.string().min(1).describe("path of the module, relative to the config file"),
        aliases: z.array(aliasName).min(1).optional().describe("only the calls that ask for these aliases (over what the module's entries say)"),
        name: z.string().min(1).optional().describe("names the middleware in failures (default: the module path)"),
      })
      .describe("a middleware module limited to some aliases, or named"),
  ],
  { error: 'expected a module path, or {"module", "aliases"?, "name"?}' },
);

export const projectConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe("the JSON Schema of this file, for editor completion"),
    aliases: z
      .record(aliasName, z.array(modelTargetSchema).min(1, { error: "an alias lists at least one target" }))
      .default({})
      .describe("alias -> ordered targets; the first is preferred, the rest are failovers"),
    preferences: z
      .array(aliasName)
      .default([])
      .describe('aliases in order of preference: the aliases electModel tries, and the failover order under the resilience policy failover: "preferences"'),
    ratings: z
      .record(aliasName, z.record(z.string(), z.unknown()))
      .default({})
      .describe('alias -> free-form scores, e.g. {"quality": 4, "speed": 5}; electModel\'s rankBy orders candidates by one'),
    eligibilityStrict: z.boolean().default(false).describe("when a needs gate leaves no target: fail (true) or fall back to all targets (false)"),
    credentials: z.array(credentialDescriptorSchema).default([]).describe("provider descriptors, in order"),
    credentialSources: z
      .record(z.string().regex(sourceNamePattern, { error: "a key store name is letters, digits, _ . -" }), credentialSourceSchema)
      .default({})
      .describe("key stores credentials can read keys from with keyFrom"),
    catalog: z
      .record(z.string().regex(catalogKeyPattern, { error: 'a catalog key is "<provider>:<model>"' }), modelFactsOverlaySchema)
      .default({})
      .describe("model facts merged over the bundled catalog, by <provider>:<model>"),
    mcpServers: z
      .record(
        z.string().regex(mcpServerNamePattern, { error: "an MCP server name is letters, digits, _ - (at most 32, no __, not ending in _)" }),
        mcpServerSchema,
      )
      .default({})
      .describe("MCP servers whose tools runs offer as <server>__<tool>"),
    permissions: permissionRulesSchema
      .default({})
      .describe('what tools may touch: tool -> "allow" | "ask" | "deny", or tool -> {"<pattern>": decision}; see docs/security.md'),
    sandbox: sandboxSettingsSchema.optional(),
    middleware: z
      .array(middlewareModuleSchema)
      .default([])
      .describe(
        "AI SDK model middleware modules `escapement run` loads and applies to the models it builds from aliases, the first seeing the request first; see docs/config.md",
      ),
  })
  .describe("Escapement project configuration (.escapement.json)");

export type ProjectConfig = z.output<typeof projectConfigSchema>;
export type ProjectConfigInput = z.input<typeof projectConfigSchema>;
export type CredentialDescriptor = z.output<typeof credentialDescriptorSchema>;
export type CredentialSource = z.output<typeof credentialSourceSchema>;
export type McpServerConfig = z.output<typeof mcpServerSchema>;
export type MiddlewareModuleConfig = z.output<typeof middlewareModuleSchema>;

/** The config of a project without `.escapement.json`. */
export const emptyProjectConfig = (): ProjectConfig => projectConfigSchema.parse({});
