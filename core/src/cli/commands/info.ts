import { isConfigError, kindDefaults, loadProjectConfig, type LoadedProjectConfig, type ReadTextFile, type ResolvedProvider } from "../../config/index.js";
import type { ModelTarget } from "../../llm/target.js";
import { targetId } from "../../llm/target.js";
import { defaultSessionsRoot } from "../../runtime/session-dir.js";
import { createDefaultRegistry } from "../../tools/index.js";
import type { McpServerConfig } from "../../config/schema.js";
import { SecretScrubber } from "../../runtime/secret-scrubber.js";
import { describeMcpServers, displayUrl } from "../../tools/mcp/report.js";
import type { CliIo } from "../cli-io.js";
import { exitCodes } from "../exit-codes.js";
import { version } from "../version.js";

export interface InfoOptions {
  /** Default: the real file system. */
  readFile?: ReadTextFile;
  /** Print one JSON document (see `infoJson`) instead of lines. */
  json?: boolean;
}

/**
 * `escapement info`: what this installation would use: the config file, providers (where each
 * key comes from and whether it is present, never the key), aliases. Exit 2 on a bad config.
 */
export function infoCommand(io: CliIo, options: InfoOptions = {}): number {
  const tools = createDefaultRegistry()
    .list()
    .map((tool) => tool.name);
  const lines = [`escapement ${version}`, `node ${process.version}`, `sessions: ${defaultSessionsRoot(io.cwd)}`, `tools: ${tools.join(", ")}`];
  const base = { version, node: process.version, sessions: defaultSessionsRoot(io.cwd), tools };
  let loaded: LoadedProjectConfig;
  try {
    loaded = loadProjectConfig({ cwd: io.cwd, env: io.env, ...(options.readFile ? { readFile: options.readFile } : {}) });
  } catch (error) {
    if (!isConfigError(error)) throw error;
    if (options.json) io.stdout.write(`${JSON.stringify({ ...base, config: { valid: false, error: error.message } })}\n`);
    else io.stdout.write(`${[...lines, "config: invalid (see below)"].join("\n")}\n`);
    io.stderr.write(`escapement: ${error.message}\n`);
    return exitCodes.usage;
  }
  if (options.json) {
    // The document names where each key comes from, never a key; the scrubber is the second line of defence.
    const scrubber = SecretScrubber.of(loaded.providers.flatMap((provider) => [provider.apiKey, ...Object.values(provider.headers ?? {})]));
    io.stdout.write(`${scrubber.scrubJsonText(JSON.stringify({ ...base, ...infoJson(loaded) }))}\n`);
    return exitCodes.ok;
  }
  lines.push(...describeConfig(loaded, io.cwd));
  io.stdout.write(`${lines.join("\n")}\n`);
  return exitCodes.ok;
}

/**
 * The config part of `escapement info --json`: the same facts as the lines, as data. Keys appear
 * only as their source and whether they are set; headers, MCP env variables and headers only by name.
 */
export const infoJson = (loaded: LoadedProjectConfig): Record<string, unknown> => {
  const { config, path, providers } = loaded;
  return {
    config: { valid: true, path: path ?? null },
    providers: providers.map((provider) => ({
      name: provider.name,
      kind: provider.kind,
      baseURL: provider.baseURL,
      baseURLSource: provider.baseURLSource,
      key:
        provider.keySource === undefined
          ? null
          : { source: provider.keySource, set: provider.apiKey !== undefined, optional: kindDefaults[provider.kind].keyOptional },
      headers: Object.keys(provider.headers ?? {}),
      builtIn: provider.autodetected,
    })),
    aliases: Object.fromEntries(
      Object.entries(config.aliases).map(([alias, targets]) => [alias, targets.map((target) => ({ id: targetId(target), ...target }))]),
    ),
    preferences: config.preferences,
    eligibilityStrict: config.eligibilityStrict,
    catalogOverlay: Object.keys(config.catalog),
    mcpServers: Object.entries(config.mcpServers).map(([name, server]) => mcpServerJson(name, server)),
  };
};

/** An MCP server as `info --json` shows it: what `describeMcpServers` prints, as data. */
const mcpServerJson = (name: string, server: McpServerConfig): Record<string, unknown> => {
  const timeouts = {
    ...(server.startupTimeoutMs === undefined ? {} : { startupTimeoutMs: server.startupTimeoutMs }),
    ...(server.toolTimeoutMs === undefined ? {} : { toolTimeoutMs: server.toolTimeoutMs }),
  };
  if (server.url !== undefined) return { name, transport: "http", url: displayUrl(server.url), headers: Object.keys(server.headers ?? {}), ...timeouts };
  return {
    name,
    transport: "stdio",
    command: server.command ?? "",
    args: server.args ?? [],
    env: Object.keys(server.env ?? {}),
    ...(server.cwd === undefined ? {} : { cwd: server.cwd }),
    ...(server.restarts === undefined ? {} : { restarts: server.restarts }),
    ...timeouts,
  };
};

/** The config part of `escapement info`, one entry per line. Never prints a key, a header value or an MCP server's env values. */
export const describeConfig = (loaded: LoadedProjectConfig, cwd: string): string[] => {
  const { config, path, providers } = loaded;
  const lines = [path === undefined ? `config: none (no .escapement.json in ${cwd} or above)` : `config: ${path}`];
  lines.push("providers:");
  const rows = providers.map((provider) => [provider.name, provider.kind, ...describeProvider(provider)]);
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  for (const row of rows) {
    lines.push(`  ${row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell)).join("  ")}`.trimEnd());
  }
  const aliases = Object.entries(config.aliases);
  if (aliases.length === 0) {
    // As `run` chooses (model-for-chart.ts): the bundled cassette first, its script for calls it lacks.
    lines.push("aliases: none (charts run on their bundled cassette.jsonl, then their script.json for calls the cassette lacks; no model calls)");
  } else {
    lines.push("aliases:");
    for (const [alias, targets] of aliases) lines.push(`  ${alias}: ${targets.map(describeTarget).join(", ")}`);
  }
  if (config.preferences.length > 0) lines.push(`preferences: ${config.preferences.join(", ")}`);
  lines.push(`eligibilityStrict: ${String(config.eligibilityStrict)}`);
  const overlays = Object.keys(config.catalog);
  if (overlays.length > 0) lines.push(`catalog overlay: ${overlays.join(", ")}`);
  lines.push(...describeMcpServers(config.mcpServers));
  return lines;
};

/** [base URL, key, extras...]: the key's source and presence, never its value; header names, never values. */
const describeProvider = (provider: ResolvedProvider): string[] => {
  const url = provider.baseURL + (provider.baseURLSource.startsWith("env ") ? ` (${provider.baseURLSource})` : "");
  const optional = kindDefaults[provider.kind].keyOptional;
  const key =
    provider.keySource === undefined ? "key: none" : `key: ${provider.keySource} (${provider.apiKey ? "set" : optional ? "not set, optional" : "not set"})`;
  const cells = [url, key];
  if (provider.headers && Object.keys(provider.headers).length > 0) cells.push(`headers: ${Object.keys(provider.headers).join(", ")}`);
  if (provider.autodetected) cells.push("built-in");
  return cells;
};

const describeTarget = (target: ModelTarget): string => {
  const params: string[] = [];
  if (target.temperature !== undefined) params.push(`temperature ${target.temperature}`);
  if (target.topP !== undefined) params.push(`topP ${target.topP}`);
  if (target.maxTokens !== undefined) params.push(`maxTokens ${target.maxTokens}`);
  if (target.thinking !== undefined) {
    params.push(typeof target.thinking === "boolean" ? `thinking ${target.thinking}` : `thinking ${target.thinking.budgetTokens} tokens`);
  }
  if (target.promptCaching !== undefined) params.push(`promptCaching ${JSON.stringify(target.promptCaching)}`);
  return params.length === 0 ? targetId(target) : `${targetId(target)} (${params.join(", ")})`;
};
