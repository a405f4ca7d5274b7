import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { SessionError } from "./session-error.js";

/** Paths inside one session directory (see docs/guide.md, "Session directory"). */
export interface SessionPaths {
  root: string;
  transcript: string;
  manifest: string;
  checkpoints: string;
  artifacts: string;
  io: string;
  cassette: string;
  log: string;
  wire: string;
}

export const sessionPaths = (root: string): SessionPaths => ({
  root,
  transcript: join(root, "transcript.jsonl"),
  manifest: join(root, "session.json"),
  checkpoints: join(root, "checkpoints"),
  artifacts: join(root, "artifacts"),
  io: join(root, "io"),
  cassette: join(root, "cassette.jsonl"),
  log: join(root, "escapement.log"),
  wire: join(root, "wire.json"),
});

export const defaultSessionsRoot = (cwd: string): string => resolve(cwd, ".escapement");

/** What a session is, written once at creation and updated when the run ends. */
export interface SessionManifest {
  sessionId: string;
  chartId: string;
  /** Absolute path of the chart module, so `--resume` can load it again. */
  chartModule: string;
  createdAt: number;
  input?: unknown;
  parentSessionId?: string;
  /** The session whose cassette this run replayed (and, when it forked, went live from). */
  forkedFrom?: string;
  status: "running" | "done" | "aborted" | "error";
  endedAt?: number;
}

/** Creates a new session directory; refuses to touch one that already holds a transcript. */
export function createSessionDir(root: string, manifest: SessionManifest): SessionPaths {
  const paths = sessionPaths(root);
  if (existsSync(paths.transcript) || existsSync(paths.manifest)) {
    throw new SessionError("session-exists", `session directory ${root} already holds a session; nothing was changed`);
  }
  // Only the root: checkpoints/, io/ and artifacts/ appear when first written (cheaper for large fleets).
  mkdirSync(paths.root, { recursive: true });
  writeManifest(paths, manifest);
  return paths;
}

export function openSessionDir(root: string): { paths: SessionPaths; manifest: SessionManifest } {
  const paths = sessionPaths(root);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new SessionError("session-missing", `no session directory at ${root}`);
  }
  if (!existsSync(paths.manifest)) {
    throw new SessionError("session-missing", `${root} is not a session directory (no session.json)`);
  }
  let manifest: SessionManifest;
  try {
    manifest = JSON.parse(readFileSync(paths.manifest, "utf8")) as SessionManifest;
  } catch (error) {
    throw new SessionError("checkpoint-malformed", `${paths.manifest} is not valid JSON: ${(error as Error).message}`);
  }
  return { paths, manifest };
}

export function writeManifest(paths: SessionPaths, manifest: SessionManifest): void {
  const temp = `${paths.manifest}.tmp`;
  writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(temp, paths.manifest);
}

/** A session argument is an id under the sessions root, or a path to a session directory. */
export function locateSession(target: string, root: string, cwd: string): string {
  if (target.trim() === "") throw new SessionError("session-missing", "no session given");
  const byId = join(root, target);
  const byPath = resolve(cwd, target);
  for (const candidate of [byId, byPath]) {
    if (existsSync(sessionPaths(candidate).manifest)) return candidate;
  }
  throw new SessionError("session-missing", `no session "${target}" (looked in ${byId} and ${byPath})`);
}
