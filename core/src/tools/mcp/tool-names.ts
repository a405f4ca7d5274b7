/**
 * Names of MCP tools as the model sees them: `<server>__<tool>`, in the charset every provider
 * accepts (letters, digits, `_`, `-`; at most 64). An MCP tool name outside it is mapped: other
 * characters become `_`, and a name that is too long, or that collides after mapping, is cut and
 * given a short hash of the original name.
 */
import { createHash } from "node:crypto";

export const mcpNameSeparator = "__";
const maxToolName = 64;
const hashChars = 8;

/** The prefix every tool of `server` carries. */
export const mcpToolPrefix = (server: string): string => `${server}${mcpNameSeparator}`;

const shortHash = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, hashChars);

/** `<server>__<tool>`, mapped into the provider charset; `taken` names are avoided. */
export const mcpToolName = (server: string, tool: string, taken: ReadonlySet<string> = new Set()): string => {
  const prefix = mcpToolPrefix(server);
  const mapped = tool.replace(/[^A-Za-z0-9_-]/g, "_") || "_";
  const plain = `${prefix}${mapped}`;
  if (plain.length <= maxToolName && !taken.has(plain)) return plain;
  const room = Math.max(0, maxToolName - prefix.length - hashChars - 1);
  return `${prefix}${mapped.slice(0, room)}_${shortHash(tool)}`;
};
