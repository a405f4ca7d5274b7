import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { sessionPaths } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";

/** A session argument is an id under the sessions root, or a path to a session directory. */
export function locateSession(target: string, root: string, cwd: string): string {
  if (target.trim() === "") throw new SessionError("session-missing", "no session given");
  for (const candidate of [join(root, target), resolve(cwd, target)]) {
    if (existsSync(sessionPaths(candidate).manifest)) return candidate;
  }
  throw new SessionError("session-missing", `no session "${target}" (looked in ${join(root, target)} and ${resolve(cwd, target)})`);
}
