import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { sessionPaths } from "../runtime/session-dir.js";
import { summarizeSession, type SessionSummary } from "./session-summary.js";

/** Session directories under a root (those holding a session.json), newest first. */
export async function listSessions(root: string): Promise<SessionSummary[]> {
  if (!existsSync(root)) return [];
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(sessionPaths(join(root, entry.name)).manifest))
    .map((entry) => join(root, entry.name));
  const summaries = await Promise.all(dirs.map((dir) => summarizeSession(dir)));
  return summaries.sort((a, b) => b.createdAt - a.createdAt || a.sessionId.localeCompare(b.sessionId));
}
