import { fsFaultOf } from "../runtime/fs-fault.js";
import { SessionError } from "../runtime/session-error.js";
import { diskStore, type SessionStore } from "../store/index.js";
import { summarizeStoredSession, type SessionSummary } from "./session-summary.js";

export interface ListSessionsOptions {
  /** A session that cannot be read (a damaged session.json, an unreadable transcript) is left out and reported here. */
  onUnreadable?: (dir: string, error: Error) => void;
}

/** Session directories under a root (those holding a session.json), newest first. */
export async function listSessions(root: string, options: ListSessionsOptions = {}): Promise<SessionSummary[]> {
  return listStoredSessions(diskStore({ root, cwd: root }), options);
}

/** The sessions of a store, newest first; `onUnreadable` gets each one's location. */
export async function listStoredSessions(store: SessionStore, options: ListSessionsOptions = {}): Promise<SessionSummary[]> {
  const read = async (key: string): Promise<SessionSummary | undefined> => {
    try {
      return await summarizeStoredSession(store, key);
    } catch (error) {
      if (!(error instanceof SessionError) && !fsFaultOf(error)) throw error;
      options.onUnreadable?.(store.location(key), error as Error);
      return undefined;
    }
  };
  const summaries = (await Promise.all((await store.list()).map(read))).filter((summary) => summary !== undefined);
  return summaries.sort((a, b) => b.createdAt - a.createdAt || a.sessionId.localeCompare(b.sessionId));
}
