/**
 * `escapement attach <session> --store postgres://…`: shows a session whose run goes on in another
 * process (a worker, on any machine), live, until the run ends or the user quits; quitting never
 * stops the run. The rows come from the store as the run writes them (attach-session.ts).
 *
 * - In the terminal UI when stdout is a terminal; with `--listen` it is also served to any renderer
 *   there, over the same wire as a live run's (with `--no-spawn`, or without a terminal, only
 *   there: the URL and token on stdout, in `wire.json`'s shape).
 * - Headless otherwise: the progress lines a live run prints, on stderr.
 * - Answers to the run's prompts and debugger control from the renderers are posted to the
 *   session's inbox, which the run reads on its worker (attach-inbox.ts). A store without an inbox
 *   shows the session only.
 * - A session whose run already ended is shown whole, and attach says so.
 * - Renderers read full requests, responses and artifacts (`read-blob`) from the store; the
 *   terminal UI does so over the wire too.
 */
import { CLOSE_CODES } from "@escapement/wire-schema";
import { randomIds, type IdSource } from "../../runtime/ids.js";
import { silentLogger } from "../../runtime/logger.js";
import { defaultSessionsRoot, type SessionStatus } from "../../runtime/session-dir.js";
import { SessionError } from "../../runtime/session-error.js";
import { UsageError } from "../../runtime/usage-error.js";
import { runQueuedFor } from "../../pool/index.js";
import { openStore, parseStoreSpec, sessionEnded, type SessionStore } from "../../store/index.js";
import { WireServer } from "../../wire/wire-server.js";
import { storeBlobs } from "../../wire/blob-serve.js";
import type { CliIo } from "../cli-io.js";
import { exitCodes } from "../exit-codes.js";
import { DEFAULT_LISTEN, type ListenAddress } from "../listen-address.js";
import { progressLine } from "../progress-printer.js";
import { DEFAULT_LINGER_MS, waitLimitMs } from "../renderer-wait.js";
import { sidecarCommand } from "../tui/sidecar.js";
import { runTerminalUi } from "../tui/terminal-ui.js";
import { controlPoster, InboxHuman } from "./attach-inbox.js";
import { followSession, type FollowedSession } from "./attach-session.js";
import { announceReplay } from "./open-wire.js";

export interface AttachFlags {
  /** `--store`: where the session lives (a postgres:// URL; disk works too, without answers or control). */
  store?: string;
  /** `--listen [host:port]`: serve the session there. */
  listen?: ListenAddress;
  /** False with `--no-spawn`: no terminal UI, the session served over the wire. */
  spawn: boolean;
  /** False with `--no-tui`: no terminal UI (headless, or served with `--listen`). Default true. */
  tui?: boolean;
  /** `--poll`: how often the store is read when nothing said the session changed. */
  pollMs?: number;
  /** `--linger`: after the run, how long the server waits for attached renderers to leave. */
  lingerMs?: number;
}

export type AttachMode = "tui" | "wire" | "headless";

/** How `attach` shows the session: the terminal UI with a terminal, the wire with `--listen` or `--no-spawn`, else progress lines. */
export function attachMode(flags: Pick<AttachFlags, "listen" | "spawn" | "tui">, stdoutIsTty: boolean): AttachMode {
  if (flags.spawn && flags.tui !== false && stdoutIsTty) return "tui";
  return flags.listen !== undefined || !flags.spawn ? "wire" : "headless";
}

/** The store `attach` reads: a `UsageError` naming what to use instead for one it cannot follow. */
async function storeOf(flags: AttachFlags, io: CliIo): Promise<{ store: SessionStore; queueUrl: string | undefined }> {
  if (flags.store === undefined)
    throw new UsageError(
      "attach needs --store postgres://… (the store the session's worker writes); a session on this machine's disk: escapement open <session>",
    );
  const spec = parseStoreSpec(flags.store);
  if (spec.kind === "memory")
    throw new UsageError("attach follows a session another process writes; a memory store is only ever seen by the process that has it");
  const store = await openStore(spec, { root: defaultSessionsRoot(io.cwd), cwd: io.cwd });
  return { store, queueUrl: spec.kind === "postgres" ? spec.url : undefined };
}

const missing = (error: unknown): boolean => error instanceof SessionError && error.code === "session-missing";

/** How often a session waiting in the queue is looked for again in it (it may have failed for good meanwhile). */
const QUEUE_RECHECK_MS = 5_000;

/**
 * The session's key; for one not in the store yet whose run waits in the job queue (submitted, no
 * worker started it yet), once a worker has started it. Undefined when the user interrupted the wait.
 */
async function locateOrWait(store: SessionStore, session: string, queueUrl: string | undefined, pollMs: number, io: CliIo): Promise<string | undefined> {
  try {
    return await store.locate(session);
  } catch (error) {
    if (!missing(error) || queueUrl === undefined || !(await runQueuedFor(queueUrl, session))) throw error;
  }
  io.stderr.write(`attach: session ${session} waits in the job queue; following it once a worker starts it\n`);
  let checked = Date.now();
  for (;;) {
    if (!(await pause(pollMs, io.signal))) return undefined;
    try {
      return await store.locate(session);
    } catch (error) {
      if (!missing(error)) throw error;
    }
    if (Date.now() - checked >= QUEUE_RECHECK_MS) {
      checked = Date.now();
      if (!(await runQueuedFor(queueUrl, session))) return store.locate(session);
    }
  }
}

/** Waits `ms`; false when `signal` aborted first. */
const pause = (ms: number, signal: AbortSignal | undefined): Promise<boolean> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const done = (value: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

const endedBeforeLine = (sessionId: string, status: SessionStatus): string => `attach: session ${sessionId} already ended (${status}); showing it whole`;

const statusLine = (sessionId: string, status: SessionStatus | undefined): string =>
  status === undefined ? `attach: left session ${sessionId}; its run goes on` : `attach: session ${sessionId} ended (${status})`;

export async function attachCommand(session: string, flags: AttachFlags, io: CliIo, ids: IdSource = randomIds): Promise<number> {
  const mode = attachMode(flags, io.stdoutIsTty);
  const { store, queueUrl } = await storeOf(flags, io);
  try {
    const key = await locateOrWait(store, session, queueUrl, flags.pollMs ?? 1000, io);
    if (key === undefined) return exitCodes.ok;
    const manifest = await store.manifest(key);
    const sessionId = manifest.sessionId;
    const endedBefore = sessionEnded(manifest.status) ? manifest.status : undefined;
    // The terminal UI takes the screen: it is said there once the UI is gone.
    if (endedBefore && mode !== "tui") io.stderr.write(`${endedBeforeLine(sessionId, endedBefore)}\n`);
    else if (!endedBefore && !store.inbox)
      io.stderr.write(`attach: the ${store.kind} store keeps no inbox: the session is shown, its prompts and debugger are not reachable from here\n`);
    let outage = false;
    const followed = followSession(store, key, {
      ...(flags.pollMs === undefined ? {} : { pollMs: flags.pollMs }),
      onRows: (rows) => {
        outage = false;
        if (mode === "tui") return;
        for (const row of rows) {
          const line = progressLine(row);
          if (line) io.stderr.write(`${line}\n`);
        }
      },
      onReset: () => {
        if (mode !== "tui") io.stderr.write(`attach: the run was resumed from a checkpoint; its rows again from the first\n`);
      },
      onError: (error) => {
        // Once per outage: the follower keeps trying.
        if (outage || mode === "tui") return;
        outage = true;
        io.stderr.write(`attach: reading the session failed (${(error as Error).message}); trying again\n`);
      },
    });
    try {
      if (mode === "headless") return await followHeadless(followed, sessionId, io);
      return await serve(store, key, followed, sessionId, endedBefore, flags, mode, io, ids);
    } finally {
      await followed.stop();
    }
  } finally {
    await store.close();
  }
}

/** Follows until the run ends or the user interrupts (SIGINT, SIGTERM), which leaves the run alone. */
async function followHeadless(followed: FollowedSession, sessionId: string, io: CliIo): Promise<number> {
  const interrupted = new Promise<undefined>((resolve) => {
    if (io.signal?.aborted) return resolve(undefined);
    io.signal?.addEventListener("abort", () => resolve(undefined), { once: true });
  });
  const status = await Promise.race([followed.ended, interrupted]);
  io.stderr.write(`${statusLine(sessionId, status)}\n`);
  return exitCodes.ok;
}

/** Serves the followed session over the wire, to the terminal UI or to renderers at `--listen`. */
async function serve(
  store: SessionStore,
  key: string,
  followed: FollowedSession,
  sessionId: string,
  endedBefore: SessionStatus | undefined,
  flags: AttachFlags,
  mode: "tui" | "wire",
  io: CliIo,
  ids: IdSource,
): Promise<number> {
  const inbox = store.inbox;
  const post = inbox ? (message: Parameters<typeof inbox.post>[1]) => inbox.post(sessionId, message) : undefined;
  const token = ids.token();
  const listen = flags.listen ?? DEFAULT_LISTEN;
  const server = await WireServer.start({
    hub: followed.hub,
    token,
    host: listen.host,
    port: listen.port,
    // The disk store's key is the session's directory: read there, with its checks (symlinks).
    blobs: store.kind === "disk" ? { sessionDir: () => key } : storeBlobs(store, () => key),
    ...(post
      ? {
          human: new InboxHuman(post, followed.view),
          control: controlPoster(post, followed.view, (line) => {
            if (mode !== "tui") io.stderr.write(`attach: ${line}\n`);
          }),
        }
      : {}),
    log: silentLogger,
  });
  try {
    if (mode === "wire" || flags.listen !== undefined) announceAttach(io, server.url, token, sessionId);
    return mode === "tui" ? await inTui(server, token, followed, sessionId, endedBefore, io) : await onWire(server, followed, sessionId, flags, io);
  } finally {
    await server.close(io.signal?.aborted ? CLOSE_CODES.goingAway : CLOSE_CODES.normal);
  }
}

/** Where the attached session is served: `wire.json`'s shape on stdout (the token is there), the URL on stderr. */
function announceAttach(io: CliIo, url: string, token: string, sessionId: string): void {
  announceReplay(io, url, token);
  io.stderr.write(`attach: following session ${sessionId}; renderers attach at ${url}\n`);
}

/**
 * Serves until the run ended and a renderer saw it (attach waits for the first one, as `open
 * --no-spawn` does) and then left, or stayed the linger time; or until the user interrupts.
 */
async function onWire(server: WireServer, followed: FollowedSession, sessionId: string, flags: AttachFlags, io: CliIo): Promise<number> {
  const interrupted = new Promise<undefined>((resolve) => {
    if (io.signal?.aborted) return resolve(undefined);
    io.signal?.addEventListener("abort", () => resolve(undefined), { once: true });
  });
  const stop = new AbortController();
  const signal = io.signal ? AbortSignal.any([io.signal, stop.signal]) : stop.signal;
  const seen = server.waitForRenderer(waitLimitMs(0), signal);
  const status = await Promise.race([followed.ended, interrupted]);
  if (status !== undefined) {
    if (!(await Promise.race([seen, Promise.resolve(false)])))
      io.stderr.write("attach: the run is over; waiting for a renderer to attach and show it (Ctrl-C to stop)\n");
    // Renderers get the end of the run before the server goes, as from a live run.
    if (await seen) await server.linger(flags.lingerMs ?? DEFAULT_LINGER_MS, io.signal);
  }
  stop.abort();
  io.stderr.write(`${statusLine(sessionId, status)}\n`);
  return exitCodes.ok;
}

/** Shows the session in the terminal UI until it is quit (after the run's end it shows the outcome); the run goes on. */
async function inTui(
  server: WireServer,
  token: string,
  followed: FollowedSession,
  sessionId: string,
  endedBefore: SessionStatus | undefined,
  io: CliIo,
): Promise<number> {
  const command = sidecarCommand(server.url, token, io.env, io.pid ?? process.pid);
  // No session directory: the UI reads blobs over the wire, from the store.
  const exit = await runTerminalUi(command, undefined, io);
  if (exit.error) {
    io.stderr.write(`escapement: the terminal UI did not start (${exit.error}); attach headless with --no-tui, or serve it with --no-spawn\n`);
    return exitCodes.runFailed;
  }
  // Quit once the last frame was shown: the follower is finishing, its status is the run's end.
  const status = followed.view.ended() ? await followed.ended : undefined;
  if (endedBefore) io.stderr.write(`${endedBeforeLine(sessionId, endedBefore)}\n`);
  else io.stderr.write(`${statusLine(sessionId, status)}\n`);
  // The UI failed on its own (it said why on the terminal); an interrupt is not a failure of it.
  if (exit.code !== 0 && exit.signal === null && !io.signal?.aborted) return exitCodes.runFailed;
  return exitCodes.ok;
}
