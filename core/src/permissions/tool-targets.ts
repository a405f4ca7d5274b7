/** What a tool's permission rules are patterns over: paths, commands, hosts, or nothing (the tool as a whole). */
export const targetKinds = ["path", "command", "url", "tool"] as const;
export type TargetKind = (typeof targetKinds)[number];

/** The built-in tools and what their rules match. Any other tool is checked as a whole. */
export const builtinToolTargets: Readonly<Record<string, TargetKind>> = Object.freeze({
  fs_read: "path",
  fs_write: "path",
  fs_edit: "path",
  fs_multi_edit: "path",
  fs_glob: "path",
  fs_grep: "path",
  shell_run: "command",
  web_fetch: "url",
});

export const targetKindOf = (tool: string): TargetKind => (Object.hasOwn(builtinToolTargets, tool) ? builtinToolTargets[tool]! : "tool");

/** `github__*` for `github__create_issue`: the key naming every tool of the tool's MCP server. */
export const serverKeyOf = (tool: string): string | undefined => {
  const at = tool.indexOf("__");
  return at > 0 ? `${tool.slice(0, at)}__*` : undefined;
};
