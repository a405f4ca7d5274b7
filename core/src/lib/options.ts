/**
 * The options of `run(options)`: a closed zod schema (an unknown key is an error naming it), the
 * checks that span keys (credentials for providers the config has, a model from somewhere), and
 * the resolution of everything given as data (config, credentials, tools) into what the runner
 * takes. Pure: nothing here touches the file system, the environment or the network, so
 * `validateOptions` can preview every problem without running anything.
 */
import type { AnyStateMachine } from "xstate";
import type { TracerProvider } from "@opentelemetry/api";
import { z } from "zod";
import type { PublicEvent } from "@escapement/wire-schema";
import type { ChartDefinition } from "../engine/define-chart.js";
import { ConfigError, formatKeyPath, knownList } from "../config/config-error.js";
import type { ResolvedProvider } from "../config/providers.js";
import { emptyProjectConfig, type ProjectConfig, type ProjectConfigInput } from "../config/schema.js";
import type { Secret } from "../config/secret.js";
import { parseProjectConfig } from "../config/validate.js";
import type { HumanRenderer } from "../human/human-renderer.js";
import type { SessionStore } from "../store/index.js";
import type { ModelClient } from "../llm/protocol.js";
import type { FetchFunction } from "../llm/providers/types.js";
import { isMiddlewareEntry, middlewareProblem, type ModelMiddleware } from "../llm/providers/middleware.js";
import { stepHooksProblems, type StepHooks } from "../engine/step-hooks.js";
import { inspectorProblem, type HostInspector } from "../engine/host-inspector.js";
import type { Clock } from "../runtime/clock.js";
import type { IdSource } from "../runtime/ids.js";
import type { Logger } from "../runtime/logger.js";
import type { Tool } from "../tools/tool.js";
import { createDefaultRegistry } from "../tools/builtin-tools.js";
import { permissionRulesSchema, sandboxSettingsSchema, type PermissionRules, type SandboxSettingsInput } from "../permissions/permission-rules.js";
import { ToolRegistry } from "../tools/tool-registry.js";
import { modelFromData, providersFromData, unknownCredentialNames, type Credentials } from "./hermetic-model.js";

/** Options of `run()`. Everything is data: nothing is read from env vars or config files. */
export interface RunOptions {
  /** The chart: a definition `{ id, machine, tools? }` (what `defineChart` returns) or a bare xstate machine. */
  chart: ChartDefinition | AnyStateMachine;
  /** The model client, e.g. `scriptedModel([...])`. Default: a router over `config`'s aliases, keyed by `credentials`. */
  model?: ModelClient;
  /** The project config: the `.escapement.json` shape, as an object or JSON text. */
  config?: ProjectConfigInput | string;
  /** API keys by provider name (a `credentials` entry's `name`, or a built-in kind such as `anthropic`). */
  credentials?: Credentials;
  /** The fetch every provider request of the config-derived model goes through (tests, proxies). */
  fetch?: FetchFunction;
  /**
   * AI SDK middleware (`LanguageModelMiddleware` from `ai`) on every model built from `config`:
   * bare (every alias) or `{ name?, aliases?, middleware }`. Not with `model` (a given model brings its own).
   */
  middleware?: readonly ModelMiddleware[];
  /** Hooks around every model step (`onStepStart`, `onStepFinish`) and conversation (`onConversationStart`, `onConversationEnd`). */
  hooks?: StepHooks;
  /**
   * The run's real tools: a `ToolRegistry` (used as given), or a list (those tools plus the chart's
   * own). Default: the built-in tools plus the chart's own.
   */
  tools?: ToolRegistry | readonly Tool[];
  /** Environment of `shell_run` commands of the default tools. Default: empty (the host's env is never passed on). */
  toolEnv?: Readonly<Record<string, string>>;
  /** Answers prompts. Default: none (a prompt fails the ask). */
  human?: HumanRenderer;
  /** The chart's input (JSON data): `input` of the machine's context factory. */
  input?: unknown;
  /**
   * Where the session lives: `diskStore({ root, cwd })` (session directories) or `memoryStore()`
   * (this process only: no file is written, and the work root defaults to a temporary directory
   * removed when the run ends). Default: a session directory, as `sessionDir` and `sessionsRoot` say.
   */
  store?: SessionStore;
  /** The session directory to create. Default: `<os.tmpdir()>/escapement-<session id>`. */
  sessionDir?: string;
  /** Create the session directory as `<sessionsRoot>/<session id>` instead. */
  sessionsRoot?: string;
  /**
   * Resume this session from its latest checkpoint instead of starting anew: its directory, or with
   * a `store`, its id in that store.
   */
  resume?: string;
  /** The work root: tools resolve relative paths against it and, by default, touch nothing outside it. Default: `<sessionDir>/work`, created on start. */
  workDir?: string;
  /**
   * What tools may touch, over `config.permissions`: tool -> "allow" | "ask" | "deny", or
   * tool -> {"<pattern>": decision}. See docs/security.md.
   */
  permissions?: PermissionRules;
  /** The shell sandbox, over `config.sandbox`: "auto" (default), "required", "off", or {mode, network}. */
  sandbox?: SandboxSettingsInput;
  clock?: Clock;
  ids?: IdSource;
  /** This run's logger. Default: silent. */
  log?: Logger;
  /** Abort to cancel: the run ends with status `aborted`. */
  signal?: AbortSignal;
  /** Each public event, in order, after its transcript row is on disk. A throw is logged, never breaks the run. */
  onEvent?: (event: PublicEvent) => void;
  /**
   * An xstate inspector beside the runner's own: a function, an observer `{ next }`, or an object
   * with one as `inspect` (what `@statelyai/inspect`'s `createWebSocketInspector()` returns). It sees
   * every inspection event of the chart's actors. A throw is logged as a warning, never breaks the run.
   */
  inspect?: HostInspector;
  /** Stop the run when the same model request is sent this many times (default 10); false: off. */
  loopThreshold?: number | false;
  /** Parallel-safe tool calls of one model step that run at once (default 4); a conversation's `maxParallelTools` wins. */
  maxParallelTools?: number;
  /** Time a tool call may take before it is aborted and the model told it timed out (default 120000 ms). */
  toolTimeoutMs?: number;
  /** The same tool call made this many times in one conversation sends `llm.tool-loop` (default 5); false: off. */
  toolLoopThreshold?: number | false;
  /** End the run (error `wedged`) when nothing is pending and nothing happens for `cycles` checks `intervalMs` apart. */
  wedge?: { intervalMs: number; cycles: number };
  /**
   * Park the run when it waits only on a person's answer for `afterMs`, or on a timer due more than
   * `timerMs` off: it stops, the session is left `parked` and the outcome's status is `parked`.
   * `run({ resume })` continues it (an answer posted to `store.inbox` is then taken).
   */
  park?: { afterMs: number; timerMs?: number };
  /**
   * Where the run's OpenTelemetry spans go (an SDK's `TracerProvider`). Default: the globally
   * registered provider (`trace.setGlobalTracerProvider`); nothing is recorded without one.
   */
  tracerProvider?: TracerProvider;
}

export interface OptionIssue {
  /** Where, e.g. `chart.machine`, `config.aliases.fast[0].provider`, `credentials.antropic`, `modle`. */
  path: string;
  message: string;
}

export type ValidateOptionsResult = { ok: true } | { ok: false; issues: OptionIssue[] };

/** Bad options: every problem with its path. Thrown (as a rejection) by `run()` before anything runs. */
export class RunOptionsError extends Error {
  override readonly name = "RunOptionsError";
  readonly category = "invalid-options";
  readonly issues: readonly OptionIssue[];

  constructor(issues: readonly OptionIssue[]) {
    super(`invalid run options:\n${issues.map((issue) => `  ${issue.path}: ${issue.message}`).join("\n")}`);
    this.issues = issues;
  }
}

export const isRunOptionsError = (value: unknown): value is RunOptionsError => value instanceof RunOptionsError;

// ---- the schema ------------------------------------------------------------------------------

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
const hasFunctions = (value: unknown, names: readonly string[]): boolean => isObject(value) && names.every((name) => typeof value[name] === "function");
/** An xstate machine, by shape (a second copy of xstate would fail an instanceof). */
export const isStateMachine = (value: unknown): value is AnyStateMachine =>
  hasFunctions(value, ["transition", "getInitialSnapshot", "provide"]) && isObject((value as { root?: unknown }).root);

const shaped = <T>(names: readonly string[], what: string) => z.custom<T>((value) => hasFunctions(value, names), { error: `expected ${what}` });

const chartSchema = z.unknown().superRefine((value, ctx) => {
  const add = (message: string, path: PropertyKey[] = []) => ctx.addIssue({ code: "custom", message, path });
  if (isStateMachine(value)) return;
  if (!isObject(value)) {
    add("expected a chart: a definition { id, machine } (defineChart) or an xstate machine");
    return;
  }
  if (value.machine === undefined) {
    add("missing: a chart definition needs the xstate machine it runs (setup({...}).createMachine({...}))", ["machine"]);
  } else if (!isStateMachine(value.machine)) {
    add("not an xstate state machine (createMachine / setup().createMachine)", ["machine"]);
  }
  if (typeof value.id !== "string" || value.id === "") add("missing: a chart definition needs a non-empty string id", ["id"]);
  if (value.tools !== undefined && !Array.isArray(value.tools)) add("expected an array of tools", ["tools"]);
});

const toolSchema = shaped<Tool>(["execute"], "a tool { name, description, input, execute }");

const jsonDataSchema = z.unknown().superRefine((value, ctx) => {
  const problem = notJson(value, [], new Set());
  if (problem) ctx.addIssue({ code: "custom", message: problem.message, path: problem.path });
});

const fields = {
  chart: chartSchema,
  model: shaped<ModelClient>(["call", "assertAlias"], "a ModelClient { call, assertAlias }, e.g. scriptedModel([...])").optional(),
  config: z.unknown().optional(),
  credentials: z
    .record(
      z.string(),
      z.union([z.string(), z.custom<Secret>((value) => hasFunctions(value, ["reveal"]))], { error: "expected an API key (a string or a Secret)" }),
    )
    .optional(),
  fetch: z.custom<FetchFunction>((value) => typeof value === "function", { error: "expected a fetch function" }).optional(),
  middleware: z
    .array(z.unknown(), { error: "expected an array of AI SDK middleware" })
    .superRefine((list, ctx) => {
      list.forEach((item, index) => {
        const problem = middlewareProblem(item);
        if (problem) ctx.addIssue({ code: "custom", message: problem, path: [index] });
      });
    })
    .transform((list) => list as ModelMiddleware[])
    .optional(),
  hooks: z
    .unknown()
    .superRefine((value, ctx) => {
      for (const problem of stepHooksProblems(value)) ctx.addIssue({ code: "custom", message: problem.message, path: problem.hook ? [problem.hook] : [] });
    })
    .transform((value) => value as StepHooks)
    .optional(),
  tools: z.union([z.instanceof(ToolRegistry), z.array(toolSchema)], { error: "expected a ToolRegistry or an array of tools" }).optional(),
  toolEnv: z.record(z.string(), z.string()).optional(),
  human: shaped<HumanRenderer>(["ask"], "a HumanRenderer { ask }").optional(),
  input: jsonDataSchema.optional(),
  store: shaped<SessionStore>(["create", "locate", "list", "manifest", "rows"], "a SessionStore (diskStore() or memoryStore())").optional(),
  sessionDir: z.string().min(1).optional(),
  sessionsRoot: z.string().min(1).optional(),
  resume: z.string().min(1).optional(),
  workDir: z.string().min(1).optional(),
  permissions: permissionRulesSchema.optional(),
  sandbox: sandboxSettingsSchema.optional(),
  clock: shaped<Clock>(["now", "setTimeout", "clearTimeout"], "a Clock { now, setTimeout, clearTimeout }").optional(),
  ids: shaped<IdSource>(["sessionId", "runId", "token"], "an IdSource { sessionId, runId, token }").optional(),
  log: shaped<Logger>(["debug", "info", "warn", "error"], "a Logger { debug, info, warn, error }").optional(),
  signal: z
    .custom<AbortSignal>((value) => isObject(value) && typeof value.aborted === "boolean" && typeof value.addEventListener === "function", {
      error: "expected an AbortSignal",
    })
    .optional(),
  onEvent: z.custom<(event: PublicEvent) => void>((value) => typeof value === "function", { error: "expected a function" }).optional(),
  inspect: z
    .unknown()
    .superRefine((value, ctx) => {
      const problem = inspectorProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((value) => value as HostInspector)
    .optional(),
  loopThreshold: z.union([z.int().min(1), z.literal(false)], { error: "expected a whole number >= 1, or false" }).optional(),
  maxParallelTools: z.int().min(1, { error: "expected a whole number >= 1" }).optional(),
  toolTimeoutMs: z.int().min(1, { error: "a tool timeout must be a whole number of milliseconds from 1" }).max(2_147_483_647).optional(),
  toolLoopThreshold: z.union([z.int().min(2), z.literal(false)], { error: "expected a whole number >= 2, or false" }).optional(),
  wedge: z.strictObject({ intervalMs: z.int().min(1), cycles: z.int().min(1) }).optional(),
  park: z.strictObject({ afterMs: z.int().min(0), timerMs: z.int().min(0).optional() }).optional(),
  tracerProvider: shaped<TracerProvider>(["getTracer"], "an OpenTelemetry TracerProvider { getTracer }").optional(),
};

/** The closed schema of `run()`'s options: an unknown key is an error. */
export const runOptionsSchema = z.strictObject(fields);

/** Every option name, in documentation order. */
export const runOptionNames = Object.keys(fields) as (keyof RunOptions)[];

// The interface and the schema name the same keys.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameKeys: Same<keyof RunOptions, keyof typeof fields> = true;
void sameKeys;

// ---- resolution ------------------------------------------------------------------------------

/** What `run()` needs beyond the options themselves, derived from them. */
export interface ResolvedOptions {
  chart: ChartDefinition;
  config: ProjectConfig;
  providers: ResolvedProvider[];
  model: ModelClient;
  /** A registry built from a tool list; undefined when the options give a registry or none. */
  toolList?: ToolRegistry;
  hooks?: StepHooks;
}

export type Resolution = { ok: true; resolved: ResolvedOptions } | { ok: false; issues: OptionIssue[] };

const CONFIG_LABEL = "options.config";

/**
 * Checks the options and derives the chart definition, the config, the providers, the model and
 * (for a tool list) the registry. New instances on every call: nothing is shared between runs.
 */
export function resolveOptions(options: unknown): Resolution {
  if (!isObject(options) || Array.isArray(options)) {
    return { ok: false, issues: [{ path: "(options)", message: "expected an options object { chart, model?, config?, ... }" }] };
  }
  const parsed = runOptionsSchema.safeParse(options);
  const issues: OptionIssue[] = parsed.success ? [] : parsed.error.issues.flatMap(fromZodIssue);

  let config: ProjectConfig | undefined;
  if (options.config !== undefined) {
    try {
      config = parseProjectConfig(options.config, CONFIG_LABEL);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const issue of error.issues) {
        const at = issue.line === undefined ? "" : ` (line ${issue.line}, column ${issue.column ?? 1})`;
        issues.push({ path: underConfig(issue.path), message: `${issue.message}${at}` });
      }
    }
  }
  const effective = config ?? emptyProjectConfig();
  if (effective.middleware.length > 0) {
    issues.push({
      path: "config.middleware",
      message: "run() loads no modules: import the middleware and pass it as the `middleware` option (or the `middleware` param of a conversation)",
    });
  }

  const credentials = isObject(options.credentials) ? (options.credentials as Credentials) : {};
  if (config !== undefined || options.config === undefined) {
    for (const problem of unknownCredentialNames(effective, credentials)) {
      issues.push({ path: formatKeyPath(["credentials", problem.name]), message: problem.message });
    }
  }
  if (options.sessionDir !== undefined && options.sessionsRoot !== undefined) {
    issues.push({ path: "sessionsRoot", message: "give sessionDir or sessionsRoot, not both" });
  }
  if (options.store !== undefined && options.sessionsRoot !== undefined) {
    issues.push({ path: "sessionsRoot", message: "give store or sessionsRoot, not both (the store says where sessions go)" });
  }
  const storeKind = isObject(options.store) ? (options.store as { kind?: unknown }).kind : undefined;
  if (storeKind !== undefined && storeKind !== "disk" && options.sessionDir !== undefined) {
    issues.push({ path: "sessionDir", message: `a session of the ${String(storeKind)} store has no directory; leave sessionDir out` });
  }
  if (options.resume !== undefined && options.sessionDir !== undefined) {
    issues.push({ path: "resume", message: "give sessionDir (a new session) or resume (an existing one), not both" });
  }

  // A field whose own checks passed may be used below even when another field failed.
  const fine = (key: keyof RunOptions): boolean =>
    options[key] !== undefined && !issues.some((issue) => issue.path === key || issue.path.startsWith(`${key}.`) || issue.path.startsWith(`${key}[`));
  let toolList: ToolRegistry | undefined;
  const chart = fine("chart") ? definitionOf(options.chart as ChartDefinition | AnyStateMachine) : undefined;
  if (Array.isArray(options.tools) && chart) {
    toolList = new ToolRegistry();
    const given = options.tools as readonly Tool[];
    const names = new Set(given.map((tool) => tool.name));
    const all: Array<[Tool, PropertyKey[]]> = [
      ...given.map((tool, index): [Tool, PropertyKey[]] => [tool, ["tools", index]]),
      // The chart's own tools, unless the list replaces one by name.
      ...(chart.tools ?? []).map((tool, index): [Tool, PropertyKey[]] => [tool, ["chart", "tools", index]]).filter(([tool]) => !names.has(tool.name)),
    ];
    for (const [tool, path] of all) {
      try {
        toolList.register(tool);
      } catch (error) {
        issues.push({ path: formatKeyPath(path), message: (error as Error).message });
      }
    }
  }

  if (options.tools === undefined && chart?.tools?.length) {
    // The default registry: the built-ins plus the chart's own (a clash is a chart bug).
    const probe = createDefaultRegistry({ webFetch: { tempDir: "/" } });
    chart.tools.forEach((tool, index) => {
      try {
        probe.register(tool);
      } catch (error) {
        issues.push({ path: formatKeyPath(["chart", "tools", index]), message: (error as Error).message });
      }
    });
  }

  let model = fine("model") ? (options.model as ModelClient) : undefined;
  let providers: ResolvedProvider[] = [];
  if (options.config === undefined || config !== undefined) {
    try {
      providers = providersFromData(effective, credentials, CONFIG_LABEL);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const issue of error.issues) issues.push({ path: underConfig(issue.path), message: issue.message });
    }
    if (options.model === undefined) {
      const middleware = fine("middleware") ? (options.middleware as ModelMiddleware[]) : [];
      middleware.forEach((item, index) => {
        if (!isMiddlewareEntry(item)) return;
        (item.aliases ?? []).forEach((alias, at) => {
          if (!Object.hasOwn(effective.aliases, alias))
            issues.push({
              path: formatKeyPath(["middleware", index, "aliases", at]),
              message: `unknown alias "${alias}" ${knownList(alias, Object.keys(effective.aliases))}`,
            });
        });
      });
      model = modelFromData(effective, providers, {
        ...(fine("fetch") ? { fetch: options.fetch as FetchFunction } : {}),
        ...(middleware.length > 0 ? { middleware } : {}),
      });
      if (model === undefined && config !== undefined) {
        issues.push({
          path: "model",
          message: "no model: pass `model` (a ModelClient such as scriptedModel([...])), or a `config` whose aliases name provider targets (it defines none)",
        });
      }
    }
  }
  if (options.model !== undefined && options.middleware !== undefined) {
    issues.push({
      path: "middleware",
      message: "applies to the models built from `config`; a given `model` brings its own (wrap its AI SDK models with wrapLanguageModel)",
    });
  }
  if (options.model === undefined && options.config === undefined) {
    issues.push({ path: "model", message: "no model: pass `model` (a ModelClient such as scriptedModel([...])), or `config` with aliases plus `credentials`" });
  }

  if (issues.length > 0 || !parsed.success || !chart || !model) {
    return { ok: false, issues: issues.length > 0 ? dedupe(issues) : [{ path: "(options)", message: "invalid options" }] };
  }
  const hooks = options.hooks === undefined ? undefined : (options.hooks as StepHooks);
  return { ok: true, resolved: { chart, config: effective, providers, model, ...(toolList ? { toolList } : {}), ...(hooks ? { hooks } : {}) } };
}

/** Previews what `run(options)` would reject, without running anything. */
export function validateOptions(options: unknown): ValidateOptionsResult {
  const resolution = resolveOptions(options);
  return resolution.ok ? { ok: true } : { ok: false, issues: resolution.issues };
}

/** A bare machine becomes a definition with the machine's id. */
export const definitionOf = (chart: ChartDefinition | AnyStateMachine): ChartDefinition =>
  isStateMachine(chart) ? { id: chart.id || "chart", machine: chart } : chart;

const underConfig = (path: string): string => (path === "(root)" ? "config" : path.startsWith("[") ? `config${path}` : `config.${path}`);

const dedupe = (issues: OptionIssue[]): OptionIssue[] => {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

const fromZodIssue = (issue: z.core.$ZodIssue): OptionIssue[] => {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== "symbol");
  if (issue.code === "unrecognized_keys") {
    const allowed = path.length === 0 ? runOptionNames : path[0] === "wedge" ? ["intervalMs", "cycles"] : path[0] === "park" ? ["afterMs", "timerMs"] : [];
    return issue.keys.map((key) => ({
      path: formatKeyPath([...path, key]),
      message: `unknown option ${JSON.stringify(key)} ${knownList(key, allowed, "known")}`,
    }));
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return [{ path: formatKeyPath(path), message: `missing (${issue.message.replace(/^Invalid input: /, "")})` }];
  }
  return [{ path: formatKeyPath(path), message: issue.message.replace(/^Invalid input: /, "") }];
};

/** Why `value` is not JSON data (functions, class instances, cycles, non-finite numbers...), or undefined. */
const notJson = (value: unknown, path: PropertyKey[], seen: Set<object>): { path: PropertyKey[]; message: string } | undefined => {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : { path, message: `not JSON data: ${value}` };
    case "object": {
      if (value === null) return undefined;
      if (seen.has(value)) return { path, message: "not JSON data: a cycle" };
      const proto = Object.getPrototypeOf(value) as unknown;
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
        return {
          path,
          message: `not JSON data: a ${value.constructor?.name ?? "class instance"} (pass plain objects, arrays, strings, numbers, booleans, null)`,
        };
      }
      seen.add(value);
      for (const [key, item] of Object.entries(value)) {
        const problem = notJson(item, [...path, Array.isArray(value) ? Number(key) : key], seen);
        if (problem) return problem;
      }
      seen.delete(value);
      return undefined;
    }
    default:
      return { path, message: `not JSON data: a ${typeof value}` };
  }
};
