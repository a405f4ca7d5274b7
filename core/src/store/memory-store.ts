/**
 * The memory store: sessions held in this process, gone when it exits. For tests and for hosts
 * that keep nothing on disk (`run({ store: memoryStore() })` writes no file). A session is kept as
 * the files the disk store would write (the same bytes), so export, import, refs and the session
 * commands treat both alike; only the checkpoint journal keeps its latest record alone, as a
 * resume needs nothing older.
 */
import { parseRef } from "@escapement/wire-schema/runtime";
import { IO_PACK, type SessionManifest } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import type { Durable } from "../runtime/durable.js";
import { isArtifactName } from "../templates/artifact-name.js";
import { processIsAlive, type LiveLock } from "./live-lock.js";
import { localOnlyFiles } from "./disk-store.js";
import { freshPath } from "./fresh-path.js";
import { MemoryFile } from "./memory-file.js";
import type { SessionFile, SessionStore, SessionWriter } from "./session-store.js";
import { latestCheckpoint, rowsOfText } from "./session-text.js";
import { memoryInbox } from "./session-inbox.js";
import { childNames, inChild, isChildKey, ownerOf, pathInFamily } from "./child-key.js";

const manifestText = (manifest: SessionManifest): string => `${JSON.stringify(manifest, null, 2)}\n`;

/** One session: its files by path (as the disk store lays them out), and its live lock. */
interface MemorySession {
  files: Map<string, MemoryFile>;
  lock: LiveLock | undefined;
}

const TRANSCRIPT = "transcript.jsonl";
const MANIFEST = "session.json";
const JOURNAL = "checkpoints.jsonl";
const SNAPSHOT = "checkpoint.json";
const CASSETTE = "cassette.jsonl";

export interface MemoryStoreOptions {
  /**
   * When a write becomes durable: `now` (default), as the call returns; `later`, on a later turn of
   * the event loop and in order, as a store over a network acknowledges it (a host or a test can
   * check that nothing is shown or done before its rows are stored). Readers of the store see a
   * write once it is acknowledged; the run reads back what it wrote at once.
   */
  acknowledge?: "now" | "later";
}

export function memoryStore(options: MemoryStoreOptions = {}): SessionStore {
  const acknowledge = options.acknowledge ?? "now";
  const sessions = new Map<string, MemorySession>();
  const sessionOf = (key: string): MemorySession => {
    const session = sessions.get(key);
    if (!session) throw new SessionError("session-missing", `no session "${key}" in the memory store`);
    return session;
  };
  const text = (key: string, path: string): string | undefined => sessionOf(key).files.get(path)?.text();
  const inbox = memoryInbox({ exists: (sessionId) => sessions.has(sessionId) });
  return {
    kind: "memory",
    where: "memory",
    inbox: { post: inbox.post, read: inbox.read, watch: inbox.watch, watchAll: inbox.watchAll },
    create: async ({ manifest, key = manifest.sessionId }) => {
      if (sessions.has(key)) {
        throw new SessionError("session-exists", `session ${key} already exists in the memory store; nothing was changed`);
      }
      const session: MemorySession = { files: new Map([[MANIFEST, MemoryFile.of(manifestText(manifest))]]), lock: undefined };
      sessions.set(key, session);
      return memoryWriter(key, session, acknowledge);
    },
    reopen: async (key, cuts, manifest) => {
      const session = sessionOf(key);
      for (const cut of cuts) {
        const file = session.files.get(cut.path);
        if (!file || file.size <= cut.keep) continue;
        const bytes = file.bytes();
        if (cut.aside) {
          const aside = freshPath(cut.aside.prefix, cut.aside.suffix, (path) => session.files.has(path));
          session.files.set(aside, MemoryFile.of(bytes.subarray(cut.keep)));
        }
        session.files.set(cut.path, MemoryFile.of(bytes.subarray(0, cut.keep)));
      }
      session.files.set(MANIFEST, MemoryFile.of(manifestText(manifest)));
      return memoryWriter(key, session, acknowledge);
    },
    locate: async (target) => {
      if (!sessions.has(target)) throw new SessionError("session-missing", `no session "${target}" in the memory store`);
      return target;
    },
    location: (key) => `memory:${key}`,
    dirOf: () => undefined,
    list: async () => [...sessions.keys()].filter((key) => !isChildKey(key)),
    children: async (key) => childNames(key, sessions.keys()),
    manifest: async (key) => {
      const raw = text(key, MANIFEST);
      if (raw === undefined) throw new SessionError("session-missing", `memory:${key} is not a session (no session.json)`);
      return JSON.parse(raw) as SessionManifest;
    },
    rows: (key, options) => rowsOfText(text(key, TRANSCRIPT), options?.onIssue),
    blob: async function blob(key, ref): Promise<string | undefined> {
      const child = inChild(key, ref);
      if (child) return sessions.has(child.key) ? blob(child.key, child.path) : undefined;
      const { path, range } = parseRef(ref);
      const file = sessionOf(key).files.get(path);
      if (!file) return undefined;
      return range ? file.slice(range.offset, range.length) : file.text();
    },
    checkpoint: async (key) => latestCheckpoint(text(key, SNAPSHOT), text(key, JOURNAL)),
    artifacts: async (key) =>
      [...sessionOf(key).files.keys()]
        .filter((path) => path.startsWith("artifacts/"))
        .map((path) => path.slice("artifacts/".length))
        .filter(isArtifactName)
        .sort(),
    artifact: async (key, name) => (isArtifactName(name) ? sessionOf(key).files.get(`artifacts/${name}`)?.bytes() : undefined),
    cassette: async (key) => text(key, CASSETTE),
    liveRun: async (key, isAlive = processIsAlive) => {
      const lock = sessionOf(key).lock;
      return lock && isAlive(lock.pid) ? lock : undefined;
    },
    // A session's fleet children travel with it, under `children/<id>/` as on disk.
    files: (key) => filesOf(key, [[key, sessionOf(key)], ...[...sessions].filter(([other]) => other.startsWith(`${key}/children/`))]),
    put: async (manifest, files) => {
      const key = manifest.sessionId;
      if (sessions.has(key)) {
        throw new SessionError("session-exists", `session ${key} already exists in the memory store; nothing was imported`);
      }
      // The session and its fleet children, each a session of its own (see child-key.ts).
      const family = new Map<string, MemorySession>([[key, { files: new Map(), lock: undefined }]]);
      for (const file of files) {
        if (localOnlyFiles.has(file.path)) continue;
        const owner = ownerOf(key, file.path);
        let session = family.get(owner.key);
        if (!session) family.set(owner.key, (session = { files: new Map(), lock: undefined }));
        if (!localOnlyFiles.has(owner.path)) session.files.set(owner.path, MemoryFile.of(file.bytes));
      }
      for (const [member, session] of family) {
        if (!session.files.has(MANIFEST)) throw new SessionError("checkpoint-malformed", `session ${member} has no session.json; nothing was imported`);
      }
      for (const [member, session] of family) sessions.set(member, session);
      return key;
    },
    delete: async (key) => {
      // A session's fleet children go with it, as they do with its directory on disk.
      for (const child of [...sessions.keys()].filter((other) => other.startsWith(`${key}/children/`))) sessions.delete(child);
      sessions.delete(key);
      inbox.forget(key);
    },
    close: async () => {},
  };
}

/** One store's files, copied (the writer's own view of a session whose writes are acknowledged later). */
const copyOf = (files: Map<string, MemoryFile>): Map<string, MemoryFile> => new Map([...files].map(([path, file]) => [path, MemoryFile.of(file.bytes())]));

/**
 * The writer of one memory session. Each write is an operation on a session's files: applied to
 * the writer's view at once (so the run reads back what it wrote), and to the files the store's
 * readers see when it is acknowledged: at once, or on a later turn of the event loop, in order.
 */
function memoryWriter(sessionId: string, session: MemorySession, acknowledge: "now" | "later"): SessionWriter {
  const staged = acknowledge === "now" ? session.files : copyOf(session.files);
  let tail: Promise<void> | undefined;
  const write = (operation: (files: Map<string, MemoryFile>) => void): Durable => {
    operation(staged);
    if (staged === session.files) return;
    const ack = (tail ?? Promise.resolve()).then(
      () =>
        new Promise<void>((resolve) =>
          setImmediate(() => {
            operation(session.files);
            resolve();
          }),
        ),
    );
    tail = ack;
    void ack.then(() => {
      if (tail === ack) tail = undefined;
    });
    return ack;
  };
  const append = (path: string, text: string) => (files: Map<string, MemoryFile>) => {
    const found = files.get(path);
    if (found) found.append(text);
    else files.set(path, MemoryFile.of(text));
  };
  const replace = (path: string, content: string | Uint8Array) => (files: Map<string, MemoryFile>) => void files.set(path, MemoryFile.of(content));
  return {
    sessionId,
    location: `memory:${sessionId}`,
    dir: undefined,
    transcript: { append: (text) => write(append(TRANSCRIPT, text)), close: () => {} },
    io: { size: () => staged.get(IO_PACK)?.size ?? 0, append: (text) => write(append(IO_PACK, text)) },
    checkpoints: {
      // The latest record alone: a resume starts from it, and memory does not grow with the run.
      append: (json) => write(replace(JOURNAL, `${json}\n`)),
      ioSize: () => staged.get(IO_PACK)?.size ?? 0,
    },
    artifacts: {
      where: `memory:${sessionId}/artifacts`,
      write: (name, bytes) => write(replace(`artifacts/${name}`, Uint8Array.from(bytes))),
      read: (name) => staged.get(`artifacts/${name}`)?.bytes(),
      list: () =>
        [...staged.keys()]
          .filter((path) => path.startsWith("artifacts/"))
          .map((path) => path.slice("artifacts/".length))
          .sort(),
    },
    cassette: { head: () => staged.get(CASSETTE)?.slice(0, 4096) ?? "", append: (text) => write(append(CASSETTE, text)) },
    writeManifest: (manifest) => write(replace(MANIFEST, manifestText(manifest))),
    durable: () => tail,
    lock: (lock) => void (session.lock = lock),
    unlock: (pid) => {
      if (session.lock?.pid === pid) session.lock = undefined;
    },
  };
}

async function* filesOf(key: string, family: readonly (readonly [string, MemorySession])[]): AsyncGenerator<SessionFile> {
  const files = family.flatMap(([member, session]) => [...session.files].map(([path, file]) => ({ path: pathInFamily(key, member, path), file })));
  for (const { path, file } of files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) yield { path, bytes: file.bytes() };
}
