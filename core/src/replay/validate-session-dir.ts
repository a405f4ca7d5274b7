import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { sessionPaths } from "../runtime/session-dir.js";
import { UsageError } from "../runtime/usage-error.js";

/** `open` refuses anything that is not a readable session directory, saying which it is. */
export function validateSessionDir(arg: string | undefined, cwd: string): string {
  if (arg === undefined || arg.trim() === "") throw new UsageError("missing <session-dir>: escapement open <session-dir>");
  const dir = resolve(cwd, arg);
  if (!existsSync(dir)) throw new UsageError(`no such session directory: ${dir}`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`not a directory: ${dir} (give the session directory, not a file in it)`);
  const transcript = sessionPaths(dir).transcript;
  if (!existsSync(transcript)) throw new UsageError(`${dir} holds no transcript.jsonl: not a session directory`);
  if (!statSync(transcript).isFile()) throw new UsageError(`${transcript} is not a file: not a session directory`);
  return dir;
}
