/**
 * The disk store: a session is a directory `<root>/<session id>` (or one the run names), laid out
 * as it always was (docs/guide.md, "Session directory"). Its writer hands the runtime's writers
 * their files, so what they write is byte for byte what they wrote before stores existed, and a
 * session written by an older build opens as it is.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { CheckpointStore } from "../runtime/checkpoint-store.js";
import { readBlob } from "../runtime/io-store.js";
import { createSessionDir, locateSession, openSessionDir, sessionPaths, writeManifest, type SessionPaths } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import { readTranscript } from "../runtime/transcript-reader.js";
import { isArtifactName } from "../templates/artifact-name.js";
import { LIVE_LOCK_FILE, liveRunOf, removeLiveLock, writeLiveLock } from "./live-lock.js";
import { freshPath } from "./fresh-path.js";
import type { FileCut, SessionFile, SessionStore, SessionWriter } from "./session-store.js";

export interface DiskStoreOptions {
  /** Where new sessions go, and where ids are looked up. */
  root: string;
  /** Relative session directories a user names are resolved against it. */
  cwd: string;
}

/** Files of a session that never leave it: the live run's process id here, and the run's wire token. */
export const localOnlyFiles: ReadonlySet<string> = new Set(["wire.json", LIVE_LOCK_FILE]);

export function diskStore(options: DiskStoreOptions): SessionStore & { readonly root: string } {
  const root = resolve(options.root);
  return {
    kind: "disk",
    where: root,
    root,
    // Synchronous inside: the directory exists as soon as the call returns.
    create: async ({ manifest, dir }) =>
      diskWriter(createSessionDir(dir === undefined ? join(root, manifest.sessionId) : resolve(options.cwd, dir), manifest), manifest.sessionId),
    reopen: async (key, cuts, manifest) => {
      const paths = sessionPaths(key);
      for (const cut of cuts) cutFile(key, cut);
      writeManifest(paths, manifest);
      return diskWriter(paths, manifest.sessionId);
    },
    locate: async (target) => resolve(locateSession(target, root, options.cwd)),
    location: (key) => key,
    dirOf: (sessionId) => join(root, sessionId),
    list: async () => {
      if (!existsSync(root)) return [];
      return readdirSync(root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(sessionPaths(join(root, entry.name)).manifest))
        .map((entry) => join(root, entry.name));
    },
    children: async (key) => {
      const dir = join(key, "children");
      if (!existsSync(dir)) return [];
      return readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
    },
    manifest: async (key) => openSessionDir(key).manifest,
    rows: (key, readOptions) => rowsOf(sessionPaths(key), readOptions),
    blob: async (key, ref) => readBlob(key, ref),
    checkpoint: async (key) => CheckpointStore.load(sessionPaths(key).checkpoints),
    artifacts: async (key) => artifactNames(sessionPaths(key).artifacts),
    artifact: async (key, name) => {
      if (!isArtifactName(name)) return undefined;
      const path = join(sessionPaths(key).artifacts, name);
      return statSync(path, { throwIfNoEntry: false })?.isFile() ? readFileSync(path) : undefined;
    },
    cassette: async (key) => {
      const path = sessionPaths(key).cassette;
      return statSync(path, { throwIfNoEntry: false })?.isFile() ? readFileSync(path, "utf8") : undefined;
    },
    liveRun: async (key, isAlive) => liveRunOf(key, isAlive),
    files: (key) => filesOf(key),
    put: async (manifest, files) => putSession(root, manifest, files),
    delete: async (key) => rmSync(key, { recursive: true, force: true }),
    close: async () => {},
  };
}

/** The writer of a session directory: the runtime's writers get its files. */
export function diskWriter(paths: SessionPaths, sessionId: string): SessionWriter {
  return {
    sessionId,
    location: paths.root,
    dir: paths.root,
    transcript: paths.transcript,
    io: paths.root,
    checkpoints: paths.checkpoints,
    artifacts: paths.root,
    cassette: paths.cassette,
    writeManifest: (manifest) => writeManifest(paths, manifest),
    // Every file write returns once it is done.
    durable: () => undefined,
    lock: (lock) => writeLiveLock(paths.root, lock),
    unlock: (pid) => removeLiveLock(paths.root, pid),
  };
}

/** Moves the bytes of a session's file past `cut.keep` into a new file beside it (when asked), then truncates it. */
function cutFile(dir: string, cut: FileCut): void {
  const path = join(dir, cut.path);
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size <= cut.keep) return;
  if (cut.aside) {
    const tail = readFileSync(path).subarray(cut.keep);
    const aside = freshPath(cut.aside.prefix, cut.aside.suffix, (name) => existsSync(join(dir, name)));
    writeFileSync(join(dir, aside), tail, { flag: "wx" });
  }
  truncateSync(path, cut.keep);
}

async function* rowsOf(paths: SessionPaths, readOptions: Parameters<typeof readTranscript>[1]) {
  // No transcript: the session was made but wrote no row (its run died first).
  if (!existsSync(paths.transcript)) return;
  if (!statSync(paths.transcript).isFile()) throw new SessionError("checkpoint-malformed", `${paths.transcript} is not a file`);
  yield* readTranscript(paths.transcript, readOptions);
}

function artifactNames(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && isArtifactName(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Paths of a directory's files, relative with "/", sorted; temporary files and local-only files left out. */
export function filePathsOf(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const rel = relative(dir, full).split(sep).join("/");
        if (!localOnlyFiles.has(rel) && !entry.name.endsWith(".tmp")) out.push(rel);
      }
    }
  };
  walk(dir);
  return out.sort();
}

async function* filesOf(dir: string): AsyncGenerator<SessionFile> {
  for (const path of filePathsOf(dir)) yield { path, bytes: readFileSync(join(dir, path)) };
}

/**
 * Writes the files into a staging directory beside the session's, then renames it into place: a
 * failure leaves no half session, and an existing session is never touched.
 */
function putSession(root: string, manifest: { sessionId: string }, files: readonly SessionFile[]): string {
  const dir = join(root, manifest.sessionId);
  if (existsSync(dir)) throw new SessionError("session-exists", `session ${manifest.sessionId} already exists in ${root}; nothing was imported`);
  mkdirSync(root, { recursive: true });
  const staging = join(root, `.import-${randomBytes(6).toString("hex")}`);
  try {
    for (const file of files) {
      const path = join(staging, file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.bytes);
    }
    if (!existsSync(sessionPaths(staging).manifest))
      throw new SessionError("checkpoint-malformed", `session ${manifest.sessionId} has no session.json; nothing was imported`);
    renameSync(staging, dir);
    return dir;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
