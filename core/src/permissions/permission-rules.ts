import { z } from "zod";
import { permissionDecisions } from "./permission-target.js";

const decision = z.enum(permissionDecisions, { error: 'a decision is "allow", "ask" or "deny"' });

/**
 * Permission rules as a user writes them: tool -> decision, or tool -> { pattern -> decision }.
 * Tools: a built-in tool, an MCP server's tools (`<server>__*`), one MCP tool (`<server>__<tool>`),
 * a chart's own tool, or `*` for every tool. Patterns: paths as globs relative to the work root
 * (absolute globs for paths outside it), shell commands by prefix or glob, URLs by host pattern or
 * CIDR. Event tools are never checked: they only move the chart.
 */
export const permissionRulesSchema = z
  .record(z.string().min(1), z.union([decision, z.record(z.string(), decision)], { error: 'expected "allow" | "ask" | "deny" or {"<pattern>": decision}' }))
  .describe('tool -> "allow" | "ask" | "deny", or tool -> {"<pattern>": decision}; the most specific rule wins');

export type PermissionRules = z.output<typeof permissionRulesSchema>;

export const sandboxModes = ["auto", "required", "off"] as const;
export type SandboxMode = (typeof sandboxModes)[number];

/** How shell commands are confined: `"auto"` (bubblewrap when it works), `"required"`, `"off"`. */
export const sandboxSettingsSchema = z
  .union(
    [
      z.enum(sandboxModes),
      z.strictObject({
        mode: z.enum(sandboxModes).optional().describe('"auto" (default): bubblewrap when it works here; "required": refuse to start without it; "off"'),
        network: z.boolean().optional().describe("let sandboxed shell commands reach the network (default false)"),
      }),
    ],
    { error: 'expected "auto" | "required" | "off" or {"mode"?, "network"?}' },
  )
  .describe("the shell sandbox (bubblewrap on Linux)");

export type SandboxSettingsInput = z.output<typeof sandboxSettingsSchema>;

export interface SandboxSettings {
  mode: SandboxMode;
  network: boolean;
}

/** The settings with their defaults filled in; a later layer overrides an earlier one key by key. */
export const sandboxSettings = (...layers: ReadonlyArray<SandboxSettingsInput | undefined>): SandboxSettings => {
  const settings: SandboxSettings = { mode: "auto", network: false };
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (typeof layer === "string") settings.mode = layer;
    else {
      if (layer.mode !== undefined) settings.mode = layer.mode;
      if (layer.network !== undefined) settings.network = layer.network;
    }
  }
  return settings;
};
