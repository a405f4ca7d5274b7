/**
 * The Postgres store: sessions in a Postgres database (`pg`), so any number of processes, on any
 * machines, can write and read them. A session is a row of `escapement_sessions` (its manifest, its
 * live lock) and the chunks of its files in `escapement_chunks`, appended in order: the bytes a
 * session directory would hold, so export, import and refs mean the same as on disk.
 *
 * Writes are batched and acknowledged once committed: the store's writers queue their writes, and
 * everything queued while a commit is under way goes in the next commit, one statement for all
 * sessions and rows (postgres-group-commit.ts); a session's writes commit in the order made.
 * A write that fails fails every later one of the writer (and its `durable()`): nothing is
 * acknowledged out of order, so a run never shows or does what its session does not hold.
 */
import type { Pool, PoolClient, PoolConfig } from "pg";
import { parseRef } from "@escapement/wire-schema/runtime";
import { IO_PACK, type SessionManifest } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import type { Durable } from "../runtime/durable.js";
import { isArtifactName } from "../templates/artifact-name.js";
import { localOnlyFiles } from "./disk-store.js";
import { processIsAlive, type LiveLock } from "./live-lock.js";
import { freshPath } from "./fresh-path.js";
import { MemoryFile } from "./memory-file.js";
import { CHANGED_CHANNEL, groupCommit, type GroupCommit, type Write, type WriteOwner } from "./postgres-group-commit.js";
import { claimHolder, sessionClaims } from "./postgres-claims.js";
import { INBOX_TABLE, postgresInbox } from "./postgres-inbox.js";
import type { SessionFile, SessionStore, SessionWriter } from "./session-store.js";
import { latestCheckpoint, rowsOfText } from "./session-text.js";
import { childNames, inChild, ownerOf, pathInFamily } from "./child-key.js";

/** The schema this build writes; a database holding a newer one is refused, never downgraded. */
export const postgresSchemaVersion = 2;

const TRANSCRIPT = "transcript.jsonl";
const MANIFEST = "session.json";
const JOURNAL = "checkpoints.jsonl";
const SNAPSHOT = "checkpoint.json";
const CASSETTE = "cassette.jsonl";

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (or `?host=/socket/dir` for a unix socket). */
  url: string;
  /** A Postgres schema to keep the tables in (made when missing); default the connection's search path. */
  schema?: string;
  /** Connections held at most (default 10). */
  maxConnections?: number;
}

/** The URL without its password, for messages. */
export const redactedUrl = (url: string): string => url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/i, "$1:***@");

const manifestText = (manifest: SessionManifest): string => `${JSON.stringify(manifest, null, 2)}\n`;

/** Connects, checks the schema (making it on first use), and returns the store; a clear `SessionError` when it cannot. */
export async function postgresStore(options: PostgresStoreOptions): Promise<SessionStore> {
  const where = redactedUrl(options.url);
  const { Pool } = (await import("pg")).default;
  const config: PoolConfig = {
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    ...(options.schema ? { options: `-c search_path=${quoteIdent(options.schema)}` } : {}),
  };
  const pool = new Pool(config);
  // A connection the server drops is reported by the query that needed it, never as an uncaught error.
  pool.on("error", () => {});
  pool.on("connect", (client) => void client.on("error", () => {}));
  try {
    await migrate(pool, options.schema);
  } catch (error) {
    await pool.end().catch(() => {});
    if (error instanceof SessionError) throw error;
    throw new SessionError("session-io", `cannot use the Postgres store at ${where}: ${(error as Error).message}`);
  }
  return storeOver(pool, where);
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

async function migrate(pool: Pool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // One migration at a time, whatever number of processes start at once.
    await client.query("SELECT pg_advisory_xact_lock(7201322)");
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query("CREATE TABLE IF NOT EXISTS escapement_meta (key text PRIMARY KEY, value text NOT NULL)");
    const found = await client.query<{ value: string }>("SELECT value FROM escapement_meta WHERE key = 'schema_version'");
    const version = found.rows[0] ? Number(found.rows[0].value) : 0;
    if (version > postgresSchemaVersion) {
      throw new SessionError(
        "session-io",
        `the Postgres store's schema is version ${version}, newer than this build's ${postgresSchemaVersion}: upgrade Escapement to use it`,
      );
    }
    if (version < 1) {
      await client.query(
        "CREATE TABLE IF NOT EXISTS escapement_sessions (id text PRIMARY KEY, manifest jsonb NOT NULL, created_at bigint NOT NULL, lock jsonb)",
      );
      await client.query(
        `CREATE TABLE IF NOT EXISTS escapement_chunks (
           session_id text NOT NULL REFERENCES escapement_sessions (id) ON DELETE CASCADE,
           path text NOT NULL,
           n bigserial,
           bytes bytea NOT NULL,
           PRIMARY KEY (session_id, path, n))`,
      );
    }
    // Version 2: the session inbox.
    if (version < 2) await client.query(INBOX_TABLE);
    if (version < postgresSchemaVersion) {
      await client.query("INSERT INTO escapement_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = $1", [
        String(postgresSchemaVersion),
      ]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

function storeOver(pool: Pool, where: string): SessionStore {
  const commits = groupCommit(pool);
  const claims = sessionClaims(pool);
  const inbox = postgresInbox(pool, where);
  /** The writer of a session this process now runs: its claim goes with the run's end (a final manifest). */
  const claimed = (writer: SessionWriter, key: string): SessionWriter => {
    // The claim given up once the run's end is stored; `durable()` waits for that too, so a run
    // that has returned holds its session no more.
    let released: Promise<void> | undefined;
    return {
      ...writer,
      writeManifest: (next) => {
        const written = writer.writeManifest(next);
        if (next.status === "running") return written;
        released = Promise.resolve(written).then(
          () => claims.release(key),
          (error: unknown) => claims.release(key).then(() => Promise.reject(error)),
        );
        return released;
      },
      durable: () => {
        const pending = writer.durable();
        if (!released) return pending;
        const release = released;
        return Promise.resolve(pending).then(() => release);
      },
    };
  };
  const missing = (key: string) => new SessionError("session-missing", `no session "${key}" in the Postgres store at ${where}`);
  const fileText = async (key: string, path: string): Promise<string | undefined> => (await fileBytes(pool, key, path))?.toString("utf8");
  const exists = async (key: string): Promise<boolean> => (await pool.query("SELECT 1 FROM escapement_sessions WHERE id = $1", [key])).rowCount === 1;
  return {
    kind: "postgres",
    where,
    inbox: { post: inbox.post, read: inbox.read, watch: inbox.watch, watchAll: inbox.watchAll },
    create: async ({ manifest, key = manifest.sessionId }) => {
      const text = manifestText(manifest);
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const created = await client.query("INSERT INTO escapement_sessions (id, manifest, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING", [
          key,
          text,
          manifest.createdAt,
        ]);
        if (created.rowCount !== 1) {
          throw new SessionError("session-exists", `session ${key} already exists in the Postgres store at ${where}; nothing was changed`);
        }
        await client.query("INSERT INTO escapement_chunks (session_id, path, bytes) VALUES ($1, $2, $3)", [key, MANIFEST, Buffer.from(text)]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
      // A new session is this process's: nobody else knows its id yet.
      await claims.claim(key);
      return claimed(postgresWriter(commits, key, new Map([[MANIFEST, MemoryFile.of(text)]])), key);
    },
    reopen: async (key, cuts, manifest) => {
      if (!(await claims.claim(key))) {
        throw new SessionError(
          "session-live",
          `session ${key} is being run by another process (it holds the session in the Postgres store at ${where}); wait for it to end, or stop it first`,
        );
      }
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        // Held to the commit: a second resume of the session waits here, then sees this one's cut.
        const found = await client.query("SELECT 1 FROM escapement_sessions WHERE id = $1 FOR UPDATE", [key]);
        if (found.rowCount !== 1) throw missing(key);
        const files = await filesIn(client, key);
        for (const cut of cuts) {
          const bytes = files.get(cut.path);
          if (!bytes || bytes.byteLength <= cut.keep) continue;
          const chunks = [{ path: cut.path, bytes: bytes.subarray(0, cut.keep) }];
          if (cut.aside) {
            const aside = freshPath(cut.aside.prefix, cut.aside.suffix, (path) => files.has(path));
            chunks.push({ path: aside, bytes: bytes.subarray(cut.keep) });
            files.set(aside, chunks[1]!.bytes);
          }
          files.set(cut.path, chunks[0]!.bytes);
          await client.query("DELETE FROM escapement_chunks WHERE session_id = $1 AND path = $2", [key, cut.path]);
          await insertChunks(client, key, chunks);
        }
        const text = manifestText(manifest);
        await client.query("UPDATE escapement_sessions SET manifest = $2 WHERE id = $1", [key, text]);
        await client.query("DELETE FROM escapement_chunks WHERE session_id = $1 AND path = $2", [key, MANIFEST]);
        await insertChunks(client, key, [{ path: MANIFEST, bytes: Buffer.from(text) }]);
        files.set(MANIFEST, Buffer.from(text));
        await client.query("COMMIT");
        return claimed(postgresWriter(commits, key, new Map([...files].map(([path, bytes]) => [path, MemoryFile.of(bytes)]))), key);
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        await claims.release(key);
        if (error instanceof SessionError) throw error;
        throw new SessionError("session-io", `reopening session ${key} in the Postgres store at ${where} failed: ${(error as Error).message}`);
      } finally {
        client.release();
      }
    },
    locate: async (target) => {
      if (!(await exists(target))) throw missing(target);
      return target;
    },
    location: (key) => `postgres:${key}`,
    dirOf: () => undefined,
    // Fleet children (`<parent>/children/<id>`, see child-key.ts) are listed under their parent only.
    list: async () => (await pool.query<{ id: string }>("SELECT id FROM escapement_sessions WHERE strpos(id, '/') = 0")).rows.map((row) => row.id),
    children: async (key) =>
      childNames(
        key,
        (await pool.query<{ id: string }>("SELECT id FROM escapement_sessions WHERE starts_with(id, $1)", [`${key}/children/`])).rows.map((row) => row.id),
      ),
    manifest: async (key) => {
      const found = await pool.query<{ manifest: SessionManifest }>("SELECT manifest FROM escapement_sessions WHERE id = $1", [key]);
      if (!found.rows[0]) throw missing(key);
      return found.rows[0].manifest;
    },
    // The query goes out now: the rows are those the store holds at the call.
    rows: (key, options) => rowsOfText(fileText(key, TRANSCRIPT), options?.onIssue),
    blob: async function blob(key, ref): Promise<string | undefined> {
      const child = inChild(key, ref);
      if (child) return blob(child.key, child.path);
      const { path, range } = parseRef(ref);
      if (!range) return (await fileBytes(pool, key, path))?.toString("utf8");
      // Only the range crosses the network, however long the io pack has grown.
      const found = await pool.query<{ bytes: Buffer | null }>(
        "SELECT substring(string_agg(bytes, ''::bytea ORDER BY n) FROM $3 FOR $4) AS bytes FROM escapement_chunks WHERE session_id = $1 AND path = $2",
        [key, path, range.offset + 1, range.length],
      );
      return found.rows[0]?.bytes?.toString("utf8") ?? undefined;
    },
    checkpoint: async (key) => latestCheckpoint(await fileText(key, SNAPSHOT), await fileText(key, JOURNAL)),
    artifacts: async (key) =>
      (await pool.query<{ path: string }>("SELECT DISTINCT path FROM escapement_chunks WHERE session_id = $1 AND path LIKE 'artifacts/%'", [key])).rows
        .map((row) => row.path.slice("artifacts/".length))
        .filter(isArtifactName)
        .sort(),
    artifact: async (key, name) => (isArtifactName(name) ? await fileBytes(pool, key, `artifacts/${name}`) : undefined),
    cassette: (key) => fileText(key, CASSETTE),
    liveRun: async (key, isAlive = processIsAlive) => {
      const found = await pool.query<{ lock: LiveLock | null }>("SELECT lock FROM escapement_sessions WHERE id = $1", [key]);
      if (!found.rows[0]) throw missing(key);
      const lock = found.rows[0].lock;
      if (lock && isAlive(lock.pid)) return lock;
      // A run anywhere holds the session's claim (see postgres-claims.ts): its pid is the Postgres backend's.
      const holder = await claimHolder(pool, key);
      return holder ? { pid: holder.backendPid, since: holder.since, where: "postgres" } : undefined;
    },
    files: (key) => filesOf(pool, key),
    put: async (manifest, files) => {
      // The session and its fleet children, each a session of its own (see child-key.ts).
      const family = new Map<string, { path: string; bytes: Buffer }[]>([[manifest.sessionId, []]]);
      for (const file of files) {
        if (localOnlyFiles.has(file.path)) continue;
        const owner = ownerOf(manifest.sessionId, file.path);
        if (owner.key !== manifest.sessionId && localOnlyFiles.has(owner.path)) continue;
        const members = family.get(owner.key) ?? [];
        members.push({ path: owner.path, bytes: Buffer.from(file.bytes) });
        family.set(owner.key, members);
      }
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        for (const [key, chunks] of family) {
          const own = key === manifest.sessionId ? manifest : childManifest(key, chunks);
          const created = await client.query("INSERT INTO escapement_sessions (id, manifest, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING", [
            key,
            JSON.stringify(own),
            own.createdAt,
          ]);
          if (created.rowCount !== 1) {
            throw new SessionError("session-exists", `session ${key} already exists in the Postgres store at ${where}; nothing was imported`);
          }
          await insertChunks(client, key, chunks);
        }
        await client.query("COMMIT");
        return manifest.sessionId;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    // A session's fleet children go with it, as they do with its directory on disk.
    delete: async (key) => void (await pool.query("DELETE FROM escapement_sessions WHERE id = $1 OR starts_with(id, $2)", [key, `${key}/children/`])),
    watch: (key, onChange) => watchSession(pool, key, onChange),
    close: async () => {
      await claims.close();
      await inbox.close();
      await pool.end();
    },
  };
}

/**
 * Listens for the commits that change a session's transcript or manifest (each batch notifies
 * `CHANGED_CHANNEL` with the ids of the sessions it changed), on a connection of its own held until
 * the returned function stops it.
 */
async function watchSession(pool: Pool, key: string, onChange: () => void): Promise<() => Promise<void>> {
  const client = await pool.connect();
  const onNotification = (message: { channel: string; payload?: string }) => {
    if (message.channel === CHANGED_CHANNEL && message.payload?.split("\n").includes(key)) onChange();
  };
  client.on("notification", onNotification);
  try {
    await client.query(`LISTEN ${CHANGED_CHANNEL}`);
  } catch (error) {
    client.off("notification", onNotification);
    client.release(error as Error);
    throw error;
  }
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    client.off("notification", onNotification);
    // Back to the pool without the LISTEN; a connection that cannot say UNLISTEN is dropped instead.
    await client.query(`UNLISTEN ${CHANGED_CHANNEL}`).then(
      () => client.release(),
      (error: unknown) => client.release(error as Error),
    );
  };
}

/** A file's bytes (its chunks joined in order); undefined when the session holds no such file. */
async function fileBytes(pool: Pool, key: string, path: string): Promise<Buffer | undefined> {
  const found = await pool.query<{ bytes: Buffer }>("SELECT bytes FROM escapement_chunks WHERE session_id = $1 AND path = $2 ORDER BY n", [key, path]);
  return found.rows.length === 0 ? undefined : Buffer.concat(found.rows.map((row) => row.bytes));
}

/** A session's files and its fleet children's (under `children/<id>/`, as on disk), sorted by path. */
async function* filesOf(pool: Pool, key: string): AsyncGenerator<SessionFile> {
  const found = await pool.query<{ session_id: string; path: string; bytes: Buffer }>(
    "SELECT session_id, path, bytes FROM escapement_chunks WHERE session_id = $1 OR starts_with(session_id, $2) ORDER BY session_id, path, n",
    [key, `${key}/children/`],
  );
  const byPath = new Map<string, Buffer[]>();
  for (const row of found.rows) {
    const path = pathInFamily(key, row.session_id, row.path);
    const chunks = byPath.get(path);
    if (chunks) chunks.push(row.bytes);
    else byPath.set(path, [row.bytes]);
  }
  for (const path of [...byPath.keys()].sort()) yield { path, bytes: Buffer.concat(byPath.get(path)!) };
}

/** Every file of a session, its chunks joined, by path. */
async function filesIn(client: Pool | PoolClient, key: string): Promise<Map<string, Buffer>> {
  const found = await client.query<{ path: string; bytes: Buffer }>("SELECT path, bytes FROM escapement_chunks WHERE session_id = $1 ORDER BY path, n", [key]);
  const byPath = new Map<string, Buffer[]>();
  for (const row of found.rows) {
    const chunks = byPath.get(row.path);
    if (chunks) chunks.push(row.bytes);
    else byPath.set(row.path, [row.bytes]);
  }
  return new Map([...byPath].map(([path, chunks]) => [path, Buffer.concat(chunks)]));
}

/** A fleet child's manifest among its files (an import of its parent). */
function childManifest(key: string, files: readonly { path: string; bytes: Buffer }[]): SessionManifest {
  const text = files.find((file) => file.path === MANIFEST)?.bytes.toString("utf8");
  try {
    if (text !== undefined) return JSON.parse(text) as SessionManifest;
  } catch {
    // Reported below, as a session without one.
  }
  throw new SessionError("checkpoint-malformed", `session ${key} has no readable session.json; nothing was imported`);
}

/** Appends chunks in one statement, in the order given (their serial numbers follow it). */
async function insertChunks(client: PoolClient, key: string, chunks: readonly { path: string; bytes: Buffer }[]): Promise<void> {
  if (chunks.length === 0) return;
  await client.query(
    `INSERT INTO escapement_chunks (session_id, path, bytes)
     SELECT $1, path, bytes FROM unnest($2::text[], $3::bytea[]) WITH ORDINALITY AS chunk (path, bytes, at) ORDER BY at`,
    [key, chunks.map((chunk) => chunk.path), chunks.map((chunk) => chunk.bytes)],
  );
}

/**
 * The writer of one Postgres session. The run reads back what it wrote from its own view (the io
 * pack's size, an artifact it captured), kept in memory and starting from what the session held
 * (a resume's); the database gets the writes in batches, with those of the store's other sessions
 * (`GroupCommit`).
 */
function postgresWriter(commits: GroupCommit, sessionId: string, staged: Map<string, MemoryFile>): SessionWriter {
  let failure: unknown;
  /** The last write's acknowledgement while one is waiting: `durable()` waits for it (writes commit in order). */
  let tail: Promise<void> | undefined;
  const owner: WriteOwner = {
    sessionId,
    failure: () => failure,
    stop: (cause) =>
      (failure ??= new SessionError("session-io", `writing session ${sessionId} to the Postgres store failed: ${(cause as Error)?.message ?? String(cause)}`)),
  };
  const write = (entry: Write): Promise<void> => {
    if (failure !== undefined) return Promise.reject(failure);
    const ack = commits.write(owner, entry);
    tail = ack;
    // Settled here too, so a write nobody waits on is no unhandled rejection (its failure reaches `durable()`).
    ack.then(
      () => {
        if (tail === ack) tail = undefined;
      },
      () => {
        if (tail === ack) tail = undefined;
      },
    );
    return ack;
  };
  const pending = (): Durable => {
    if (failure !== undefined) return Promise.reject(failure);
    if (tail === undefined) return;
    // Writes commit in order, so the last one's commit covers every earlier one; a failure of any stops the owner.
    return tail.then(
      () => {
        if (failure !== undefined) throw failure;
      },
      () => {
        throw failure;
      },
    );
  };
  const append = (path: string, text: string): Durable => {
    const found = staged.get(path);
    if (found) found.append(text);
    else staged.set(path, MemoryFile.of(text));
    return write({ kind: "append", path, bytes: Buffer.from(text, "utf8") });
  };
  const replace = (path: string, bytes: Uint8Array): Durable => {
    staged.set(path, MemoryFile.of(bytes));
    return write({ kind: "replace", path, bytes: Buffer.from(bytes) });
  };
  return {
    sessionId,
    location: `postgres:${sessionId}`,
    dir: undefined,
    transcript: { append: (text) => append(TRANSCRIPT, text), close: () => {} },
    io: { size: () => staged.get(IO_PACK)?.size ?? 0, append: (text) => append(IO_PACK, text) },
    checkpoints: {
      // The latest record alone, replaced in place: a resume starts from it.
      append: (json) => replace(JOURNAL, Buffer.from(`${json}\n`)),
      ioSize: () => staged.get(IO_PACK)?.size ?? 0,
    },
    artifacts: {
      where: `postgres:${sessionId}/artifacts`,
      write: (name, bytes) => replace(`artifacts/${name}`, bytes),
      read: (name) => staged.get(`artifacts/${name}`)?.bytes(),
      list: () =>
        [...staged.keys()]
          .filter((path) => path.startsWith("artifacts/"))
          .map((path) => path.slice("artifacts/".length))
          .sort(),
    },
    cassette: { head: () => staged.get(CASSETTE)?.slice(0, 4096) ?? "", append: (text) => append(CASSETTE, text) },
    writeManifest: (next) => {
      const text = manifestText(next);
      staged.set(MANIFEST, MemoryFile.of(text));
      return write({ kind: "manifest", text });
    },
    durable: pending,
    lock: (lock) => write({ kind: "lock", lock }),
    unlock: (pid) => write({ kind: "lock", lock: null, ifPid: pid }).catch(() => {}),
  };
}
