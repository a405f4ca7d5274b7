import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fsFaultOf } from "../runtime/fs-fault.js";
import { sessionPaths } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import { summarizeSession, type SessionSummary } from "./session-summary.js";

export interface ListSessionsOptions {
  /** A session that cannot be read (a damaged session.json, an unreadable transcript) is left out and reported here. */
  onUnreadable?: (dir: string, error: Error) => void;
}

/** Session directories under a root (those holding a session.json), newest first. */
export async function listSessions(root: string, options: ListSessionsOptions = {}): Promise<SessionSummary[]> {
  if (!existsSync(root)) return [];
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(sessionPaths(join(root, entry.name)).manifest))
    .map((entry) => join(root, entry.name));
  const read = async (dir: string): Promise<SessionSummary | undefined> => {
    try {
      return await summarizeSession(dir);
    } catch (error) {
      if (!(error instanceof SessionError) && !fsFaultOf(error)) throw error;
      options.onUnreadable?.(dir, error as Error);
      return undefined;
    }
  };
  const summaries = (await Promise.all(dirs.map(read))).filter((summary) => summary !== undefined);
  return summaries.sort((a, b) => b.createdAt - a.createdAt || a.sessionId.localeCompare(b.sessionId));
}
