import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultSessionsRoot, sessionPaths } from "../runtime/session-dir.js";
import { UsageError } from "../runtime/usage-error.js";

const holdsTranscript = (dir: string): boolean => {
  const transcript = sessionPaths(dir).transcript;
  return existsSync(transcript) && statSync(transcript).isFile();
};

/**
 * The session directory `open` shows: `arg` is a session id under the sessions root (as for `show`,
 * `stats`, …) or a session directory. Anything else is refused, saying what it is.
 */
export function validateSessionDir(arg: string | undefined, cwd: string, root: string = defaultSessionsRoot(cwd)): string {
  if (arg === undefined || arg.trim() === "") throw new UsageError("missing <session>: escapement open <session-id | session-dir>");
  const byId = join(root, arg);
  if (existsSync(byId) && statSync(byId).isDirectory() && holdsTranscript(byId)) return byId;
  const dir = resolve(cwd, arg);
  if (!existsSync(dir)) throw new UsageError(`no such session directory: ${dir} (and no session "${arg}" in ${root})`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`not a directory: ${dir} (give the session directory, not a file in it)`);
  if (!holdsTranscript(dir)) {
    const transcript = sessionPaths(dir).transcript;
    if (existsSync(transcript)) throw new UsageError(`${transcript} is not a file: not a session directory`);
    throw new UsageError(`${dir} holds no transcript.jsonl: not a session directory`);
  }
  return dir;
}
