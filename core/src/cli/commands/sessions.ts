import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { defaultSessionsRoot, sessionPaths, type ParkedOn } from "../../runtime/session-dir.js";
import { exportStoredSession, importIntoStore, listStoredSessions, summarizeStoredSession, type SessionSummary } from "../../sessions/index.js";
import { readRef, readStoredManifest, type RefContent } from "../../sessions/session-files.js";
import { childKey, diskStore, openStore, parseStoreSpec, type SessionStore } from "../../store/index.js";
import type { CliIo } from "../cli-io.js";
import { formatCost, formatTable, formatTime } from "../format-table.js";
import { exitCodes } from "../exit-codes.js";

const tokensOf = (s: SessionSummary): number => s.tokens.input + s.tokens.output;
const ms = (value: number | undefined): string => (value === undefined ? "-" : `${Math.round(value)} ms`);

export async function listCommand(io: CliIo, root: string | SessionStore, json = false): Promise<number> {
  const store = typeof root === "string" ? diskStore({ root, cwd: io.cwd }) : root;
  root = store.where;
  const unreadable: Array<{ dir: string; error: string }> = [];
  const sessions = await listStoredSessions(store, { onUnreadable: (dir, error) => unreadable.push({ dir, error: error.message }) });
  if (json) {
    io.stdout.write(`${JSON.stringify({ root, sessions, unreadable })}\n`);
    return exitCodes.ok;
  }
  if (sessions.length === 0 && unreadable.length === 0) {
    io.stdout.write(`no sessions in ${root}\n`);
    return exitCodes.ok;
  }
  if (sessions.length > 0) {
    const rows = sessions.map((s) => [s.sessionId, s.chartId, s.status, s.turns, tokensOf(s), formatCost(s.costUsd), timeOf(s.createdAt)] as const);
    io.stdout.write(`${formatTable(["ID", "CHART", "STATUS", "TURNS", "TOKENS", "COST", "CREATED"], rows)}\n`);
  }
  for (const { dir, error } of unreadable) io.stderr.write(`notice: left out an unreadable session: ${dir}: ${error}\n`);
  return exitCodes.ok;
}

/** `formatTime`, or the raw number when it is no time a Date holds (a damaged row). */
const timeOf = (ms: number): string => (Number.isFinite(new Date(ms).getTime()) ? formatTime(ms) : String(ms));

/** A session of a store: the store, and the session's key in it. */
export interface StoredSession {
  store: SessionStore;
  key: string;
}

/** What a parked session waits on, for `show`. */
const parkedLine = (parked: ParkedOn): string => {
  const waits = [
    ...(parked.prompts.length > 0 ? [`an answer to prompt ${parked.prompts.join(", ")} (escapement answer)`] : []),
    ...(parked.dueAt === undefined ? [] : [`its timer, due ${timeOf(parked.dueAt)}`]),
  ];
  return `parked since ${timeOf(parked.at)}, waiting on ${waits.join(" or ")}`;
};

/** A session directory is a session of the disk store. */
const storedOf = (session: string | StoredSession, cwd: string): StoredSession =>
  typeof session === "string" ? { store: diskStore({ root: dirname(resolve(cwd, session)), cwd }), key: resolve(cwd, session) } : session;

export async function showCommand(io: CliIo, session: string | StoredSession, content: boolean, json = false): Promise<number> {
  const { store, key } = storedOf(session, io.cwd);
  const summary = await summarizeStoredSession(store, key);
  if (json) return showJson(io, store, key, summary, content);
  io.stdout.write(`session ${summary.sessionId}  chart ${summary.chartId}  status ${summary.status}  created ${timeOf(summary.createdAt)}\n`);
  io.stdout.write(`${summary.turns} turns, ${tokensOf(summary)} tokens, cost ${formatCost(summary.costUsd)}, final [${summary.finalConfig.join(", ")}]\n`);
  if (summary.parked) io.stdout.write(`${parkedLine(summary.parked)}\n`);
  if (summary.artifacts.length > 0) io.stdout.write(`artifacts: ${summary.artifacts.join(", ")}\n`);
  const transcript = store.kind === "disk" ? sessionPaths(key).transcript : undefined;
  if (transcript !== undefined && !existsSync(transcript)) {
    io.stdout.write(`no transcript: ${transcript} is missing, so the session holds no rows\n`);
    return exitCodes.ok;
  }
  for await (const row of store.rows(key)) {
    const data = (row.data ?? {}) as Record<string, unknown>;
    const brief = [data.snippet, data.text, data.event, data.name].find((value): value is string => typeof value === "string") ?? "";
    io.stdout.write(`#${row.seq} ${timeOf(row.ts)} ${row.event}${brief ? `  ${brief}` : ""}\n`);
    if (!content) continue;
    io.stdout.write(`${indent(JSON.stringify(data, null, 2) ?? String(data))}\n`);
    if (typeof data.ref === "string") io.stdout.write(`${describeRef(await refOf(store, key, data.ref), data.ref)}\n`);
  }
  if (summary.unreadable.length > 0) io.stdout.write(`${summary.unreadable.length} unreadable transcript line(s) skipped\n`);
  return exitCodes.ok;
}

/**
 * `show --json`: one document `{ session, rows }`, written row by row so a long transcript never
 * sits in memory whole. Rows are as the transcript holds them (written through the run's secret
 * scrubber); with `--content`, a row holding a `ref` gets `content`: what the ref points at.
 */
async function showJson(io: CliIo, store: SessionStore, key: string, summary: SessionSummary, content: boolean): Promise<number> {
  io.stdout.write(`{"session":${JSON.stringify(summary)},"rows":[`);
  const transcript = store.kind === "disk" ? sessionPaths(key).transcript : undefined;
  if (transcript === undefined || existsSync(transcript)) {
    let first = true;
    for await (const row of store.rows(key)) {
      const ref = (row.data as { ref?: unknown } | undefined)?.ref;
      const item = content && typeof ref === "string" ? { ...row, content: refJson(await refOf(store, key, ref)) } : row;
      io.stdout.write(`${first ? "" : ","}${JSON.stringify(item)}`);
      first = false;
    }
  }
  io.stdout.write("]}\n");
  return exitCodes.ok;
}

/**
 * What a row's ref names: in a session directory, read defensively by `readRef` (a truncated pack,
 * a child session's directory); in another store, the blob the store holds.
 */
async function refOf(store: SessionStore, key: string, ref: string): Promise<RefContent> {
  if (store.kind === "disk") return readRef(key, ref);
  const child = /^children\/([^/]+)\/?$/.exec(ref);
  if (child) {
    // A fleet child: a session of the store under the parent's key (`show` takes that key).
    const childKeyed = childKey(key, child[1]!);
    const manifest = await store.manifest(childKeyed).catch(() => undefined);
    return manifest ? { kind: "child", dir: childKeyed, manifest } : { kind: "missing", path: `${store.location(key)}/${ref}` };
  }
  const text = await store.blob(key, ref);
  return text === undefined ? { kind: "missing", path: `${store.location(key)}/${ref}` } : { kind: "text", text, missingBytes: 0, omittedBytes: 0 };
}

/** A ref's target as data: its `RefContent`, a child session's manifest reduced to what `show` prints of it. */
const refJson = (found: RefContent): object => {
  if (found.kind !== "child" || !found.manifest) return found;
  const { sessionId, chartId, status } = found.manifest;
  return { kind: "child", dir: found.dir, sessionId, chartId, status };
};

/** What `show --content` prints for a row's ref: the blob, or what is wrong with it, or where a child session is. */
function describeRef(found: RefContent, ref: string): string {
  switch (found.kind) {
    case "text": {
      const notes = [
        found.missingBytes > 0 && `(${ref}: the last ${found.missingBytes} bytes are missing; the file is truncated)`,
        found.omittedBytes > 0 && `(${ref}: ${found.omittedBytes} more bytes not shown)`,
      ].filter((note): note is string => typeof note === "string");
      return [...(found.text === "" ? [] : [indent(found.text)]), ...notes.map(indent)].join("\n") || indent(`(${ref} is empty)`);
    }
    case "missing":
      return indent(`(${ref} is missing)`);
    case "child": {
      const what = found.manifest
        ? `child session ${found.manifest.sessionId} (chart ${found.manifest.chartId}, status ${found.manifest.status})`
        : `child session, unreadable: ${found.problem ?? "no manifest"}`;
      return indent(`(${ref}: ${what}; its rows: escapement show ${found.dir})`);
    }
    case "directory":
      return indent(`(${ref} is a directory holding no session.json, not a blob)`);
    case "unreadable":
      return indent(`(${ref} cannot be read: ${found.reason})`);
  }
}

const indent = (text: string): string => text.replace(/^/gm, "    ");

export async function statsCommand(io: CliIo, session: string | StoredSession, json = false): Promise<number> {
  const { store, key } = storedOf(session, io.cwd);
  const s = await summarizeStoredSession(store, key);
  if (json) {
    io.stdout.write(`${JSON.stringify(s)}\n`);
    return exitCodes.ok;
  }
  const models = Object.entries(s.byModel).map(
    ([target, m]) => [target, m.turns, m.tokens.input, m.tokens.output, m.tokens.cacheRead, m.tokens.cacheWrite, formatCost(m.costUsd)] as const,
  );
  io.stdout.write(`session ${s.sessionId} (${s.chartId}, ${s.status})\n\n`);
  io.stdout.write(`${formatTable(["MODEL", "TURNS", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE", "COST"], models)}\n\n`);
  io.stdout.write(`latency      p50 ${ms(s.latencyMs.p50)}  p90 ${ms(s.latencyMs.p90)}  p99 ${ms(s.latencyMs.p99)}  max ${ms(s.latencyMs.max)}\n`);
  io.stdout.write(`first token  p50 ${ms(s.ttftMs.p50)}  p90 ${ms(s.ttftMs.p90)}  p99 ${ms(s.ttftMs.p99)}  max ${ms(s.ttftMs.max)}\n`);
  io.stdout.write(`retries ${s.retries}  failovers ${s.failovers}  latency switches ${s.latencySwitches}  errors ${s.errors}\n`);
  return exitCodes.ok;
}

async function confirm(io: CliIo, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  try {
    for await (const line of lines) return /^(y|yes)$/i.test(line.trim());
    return false;
  } finally {
    lines.close();
  }
}

const storeOption = "--store <store>";
const storeHelp = "where sessions live: disk (default: .escapement/), memory (this process only, so always empty here), or a postgres:// URL";

/** `list`, `show`, `stats`, `export`, `import`, `delete`. */
export function registerSessionCommands(program: Command, io: CliIo, done: (code: number) => void): void {
  const root = () => defaultSessionsRoot(io.cwd);
  /** Runs `use` on the store `--store` names, closed after (a Postgres store holds connections). */
  const withStore = async (spec: string | undefined, use: (store: SessionStore) => Promise<number>): Promise<number> => {
    const store = await openStore(spec === undefined ? { kind: "disk" } : parseStoreSpec(spec), { root: root(), cwd: io.cwd });
    try {
      return await use(store);
    } finally {
      await store.close();
    }
  };
  const withSession = (id: string, spec: string | undefined, use: (session: StoredSession) => Promise<number>): Promise<number> =>
    withStore(spec, async (store) => use({ store, key: await store.locate(id) }));

  program
    .command("list")
    .description("list sessions: id, chart, status, turns, tokens, cost, created")
    .option("--json", "print one JSON document { root, sessions, unreadable } (docs/guide.md)")
    .option(storeOption, storeHelp)
    .action(async (options: { json?: boolean; store?: string }) =>
      done(await withStore(options.store, (store) => listCommand(io, store, options.json ?? false))),
    );
  program
    .command("show")
    .description("show a session's transcript, one row per line")
    .argument("<session>", "session id or directory")
    .option("--content", "include every row's data and the io blobs it refers to")
    .option("--json", "print one JSON document { session, rows } (docs/guide.md)")
    .option(storeOption, storeHelp)
    .action(async (id: string, options: { content?: boolean; json?: boolean; store?: string }) =>
      done(await withSession(id, options.store, (session) => showCommand(io, session, options.content ?? false, options.json ?? false))),
    );
  program
    .command("stats")
    .description("tokens and cost by model, latency percentiles, retries, failovers")
    .argument("<session>", "session id or directory")
    .option("--json", "print the session's summary as one JSON document (docs/guide.md)")
    .option(storeOption, storeHelp)
    .action(async (id: string, options: { json?: boolean; store?: string }) =>
      done(await withSession(id, options.store, (session) => statsCommand(io, session, options.json ?? false))),
    );
  program
    .command("export")
    .description("write a session to one portable file (the wire token is left out)")
    .argument("<session>", "session id or directory")
    .option("-o, --out <file>", "output file (default <session-id>.escapement-session.jsonl)")
    .option(storeOption, storeHelp)
    .action(async (id: string, options: { out?: string; store?: string }) =>
      done(
        await withSession(id, options.store, async ({ store, key }) => {
          const manifest = await readStoredManifest(store, key);
          const out = resolve(io.cwd, options.out ?? `${manifest.sessionId}.escapement-session.jsonl`);
          const files = await exportStoredSession(store, key, out);
          io.stdout.write(`exported ${manifest.sessionId} (${files} files) to ${out}\n`);
          return exitCodes.ok;
        }),
      ),
    );
  program
    .command("import")
    .description("import a session exported with `export`")
    .argument("<file>", "export file")
    .option(storeOption, storeHelp)
    .action(async (file: string, options: { store?: string }) =>
      done(
        await withStore(options.store, async (store) => {
          const imported = await importIntoStore(resolve(io.cwd, file), store);
          io.stdout.write(`imported ${imported.sessionId} (${imported.files} files) into ${store.location(imported.key)}\n`);
          return exitCodes.ok;
        }),
      ),
    );
  program
    .command("delete")
    .description("delete a session directory (asks first)")
    .argument("<session>", "session id or directory")
    .option("--yes", "do not ask")
    .option("--force", "delete it even while its run is live (the running core then fails)")
    .option(storeOption, storeHelp)
    .action(async (id: string, options: { yes?: boolean; force?: boolean; store?: string }) => {
      done(
        await withStore(options.store, async (store) => {
          const key = await store.locate(id);
          const live = await store.liveRun(key);
          if (live && !options.force) {
            const who = live.where === "postgres" ? "another process is running it (it holds the session's claim)" : `process ${live.pid} is running it`;
            io.stderr.write(`escapement: session ${id} is live: ${who}; stop that run first, or delete with --force\n`);
            return exitCodes.runFailed;
          }
          const shown = store.location(key);
          if (!options.yes && !(await confirm(io, `delete session ${shown}?`))) {
            io.stderr.write("not deleted\n");
            return exitCodes.runFailed;
          }
          await store.delete(key);
          io.stdout.write(`deleted ${shown}\n`);
          return exitCodes.ok;
        }),
      );
    });
}
