/**
 * Who shows a run and answers its prompts, chosen by `escapement run`'s flags:
 *
 * - `tui`   the terminal UI: a wire server on loopback, the Bun sidecar spawned with the URL and
 *           the run's token; the sidecar owns the terminal, the core logs to the session's
 *           escapement.log. When the sidecar exits while the run is live (Ctrl-C in the TUI, a
 *           crash, a kill), the terminal is restored and the run ends with status `aborted`.
 *           When the run is over first, the TUI stays up to show the outcome until it is quit.
 *           The chart starts once the TUI has attached (at most 10 s later, see renderer-wait.ts).
 * - `wire`  headless with a wire server (`--listen`, `--no-spawn`, `--web`): progress on stderr,
 *           prompts and debugger control from renderers attached over the wire. With `--web` the
 *           server also serves the browser renderer's page, and its URL (token in the fragment)
 *           is printed.
 * - `stdin` headless: progress on stderr, prompts on stderr with answers from stdin.
 *
 * With a wire server, `--wait-for-renderer` holds the chart until a renderer attaches, and the
 * server lingers after the run while renderers are attached (renderer-wait.ts).
 *
 * With a wire server, `<session-dir>/wire.json` holds its URL and token while the run is live; a
 * resumed run replaces the one a killed run left behind (or, serving no wire, removes it).
 *
 * A session kept in a store without directories (`--store memory`, `--store postgres://…`) is
 * shown the same way: the wire reads its rows and blobs through the store, and what a session
 * directory would hold for this process alone (`wire.json`, the terminal UI's `escapement.log`)
 * goes in a private directory of its own under the OS's temporary directory
 * (`escapement-<session id>-XXXXXX`), removed at the end unless the log is there. The terminal UI
 * is given no session directory: it reads full requests, responses and artifacts over the wire.
 */
import { appendFileSync, existsSync, mkdtempSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLOSE_CODES } from "@escapement/wire-schema";
import { DebugGate } from "../debug/debug-gate.js";
import type { HumanRenderer } from "../human/human-renderer.js";
import { StdinHuman } from "../human/stdin-human.js";
import { firstAnswer } from "../human/first-answer.js";
import { randomIds, type IdSource } from "../runtime/ids.js";
import { createLogger, type Logger, type LogLevel } from "../runtime/logger.js";
import type { RunStartInfo } from "../engine/runner.js";
import type { RowTap } from "../runtime/transcript-writer.js";
import { WireHub } from "../wire/wire-hub.js";
import { storeBlobs } from "../wire/blob-serve.js";
import type { SessionStore } from "../store/index.js";
import { WireHuman } from "../wire/wire-human.js";
import { tryRemoveWireInfo, writeWireInfo } from "../wire/wire-info.js";
import { WireServer } from "../wire/wire-server.js";
import { staticFiles } from "../wire/web-static.js";
import { resolveWebDist, webUrl } from "./web-dist.js";
import type { RequestResult } from "../wire/wire-connection.js";
import { SteerChannel, type SteerResult } from "../engine/steer-channel.js";
import type { CliIo } from "./cli-io.js";
import type { ListenAddress } from "./listen-address.js";
import { DEFAULT_LISTEN } from "./listen-address.js";
import { progressLine } from "./progress-printer.js";
import { sidecarArgs, sidecarCommand, spawnSidecar, TUI_TERMINAL_GONE_EXIT, type Sidecar, type SidecarExit } from "./tui/sidecar.js";
import type { TerminalGuard } from "./tui/terminal.js";
import { borrowTerminal, giveTerminalBack } from "./tui/terminal-ui.js";
import { UsageError } from "../runtime/usage-error.js";
import type { RowInput } from "../runtime/row-input.js";
import { RunInterruption } from "../engine/run-interruption.js";
import { DEFAULT_LINGER_MS, DEFAULT_RENDERER_WAIT_MS, noRendererNotice, waitingLine, waitLimitMs } from "./renderer-wait.js";

export type FrontendKind = "tui" | "wire" | "stdin";

/** A steering result as the reply to a `steer` frame: a refusal is an `invalid-steer` error naming why. */
export function steerReply(result: SteerResult): RequestResult {
  if (result.ok) return { ok: true };
  const path = result.code === "empty" || result.code === "too-long" ? "/text" : "/conversation";
  return { ok: false, error: { code: "invalid-steer", message: result.message, path } };
}

export interface FrontendFlags {
  kind: FrontendKind;
  listen?: ListenAddress;
  /** `--web`: serve the browser renderer and the wire here (instead of `listen`). */
  web?: ListenAddress;
  /** Start paused: the first external event pauses the run. */
  debug: boolean;
  logLevel: LogLevel;
  /** Wire server heartbeat interval (tests). */
  heartbeatMs?: number;
  /**
   * Hold the chart until a renderer attaches, at most this long (0: no limit). Default: 10 s for
   * the terminal UI, no wait for `--listen` / `--no-spawn` (`--wait-for-renderer`).
   */
  waitForRendererMs?: number;
  /** After the run, keep the wire server up while renderers are attached, at most this long (`--linger`). Default 3 s. */
  lingerMs?: number;
  /** Prompts may also be answered from elsewhere (an AG-UI client, `--ag-ui`): see `Frontend.answers`. */
  remoteAnswers?: boolean;
  /**
   * The store that keeps the session when it is not a directory (memory, Postgres): renderers read
   * its rows and blobs through it. Undefined for a session on disk.
   */
  store?: SessionStore;
}

export interface Frontend {
  readonly kind: FrontendKind;
  readonly log: Logger;
  readonly human: HumanRenderer;
  /**
   * Where answers from elsewhere go (with `remoteAnswers`; always with a wire server): the first
   * valid answer to a prompt wins, whether it came from here, the terminal or a renderer.
   */
  readonly answers?: WireHuman;
  readonly debug: DebugGate;
  /** Steering messages from renderers (`steer` frames); none without a wire server. */
  readonly steering?: SteerChannel;
  readonly taps: RowTap[];
  /** Aborted on SIGINT/SIGTERM (io.signal) and when the TUI goes away mid-run. */
  readonly signal: AbortSignal;
  readonly onStart: (info: RunStartInfo) => void;
  /** Awaited before the chart starts: the wait for the first renderer; resolves with the rows to record (a notice). */
  readonly untilReady?: () => Promise<readonly RowInput[]>;
  /** After the run (or a failure to start it): waits for the TUI to be quit, closes the server, restores the terminal. */
  close(): Promise<void>;
}

/** Which frontend the flags ask for. `tui`: undefined (auto), false (`--no-tui`) or a kind (`--tui <kind>`). */
export function frontendKind(options: {
  tui: string | boolean | undefined;
  spawn: boolean;
  listen: boolean;
  stdoutIsTty: boolean;
  web?: boolean;
}): FrontendKind {
  const { tui, spawn, listen, stdoutIsTty } = options;
  if (options.web) {
    if (typeof tui === "string") throw new UsageError("--web shows the run in a browser; drop --tui");
    if (listen) throw new UsageError("--web serves the wire protocol on its own address; drop --listen");
    return "wire";
  }
  if (typeof tui === "string" && tui !== "opentui") throw new UsageError(`unknown --tui kind "${tui}" (known: opentui)`);
  if (typeof tui === "string" && spawn && !stdoutIsTty)
    throw new UsageError("--tui opentui needs a terminal on stdout; use --no-tui, or --listen to attach a renderer");
  const wantTui = tui === false ? false : typeof tui === "string" ? true : stdoutIsTty;
  if (wantTui && spawn) return "tui";
  return listen || !spawn ? "wire" : "stdin";
}

export async function openFrontend(flags: FrontendFlags, io: CliIo, ids: IdSource = randomIds): Promise<Frontend> {
  if (flags.kind === "stdin") {
    if (flags.debug) throw new UsageError("--debug starts paused and needs a renderer to continue: use the terminal UI, --listen or --no-spawn");
    if (flags.waitForRendererMs !== undefined) throw new UsageError("--wait-for-renderer waits for a wire renderer: use it with --listen or --no-spawn");
    return stdinFrontend(flags, io);
  }
  return wireFrontend(flags, io, ids);
}

const progressTap =
  (io: CliIo): RowTap =>
  (rows) => {
    for (const row of rows) {
      const line = progressLine(row);
      if (line) io.stderr.write(`${line}\n`);
    }
  };

function stdinFrontend(flags: FrontendFlags, io: CliIo): Frontend {
  // With answers from elsewhere, a closed stdin (a service, `< /dev/null`) leaves prompts to them.
  const stdin = new StdinHuman(io.stdin, io.stderr, { endOfInput: flags.remoteAnswers ? "waits" : "cancels" });
  const answers = flags.remoteAnswers ? new WireHuman() : undefined;
  return {
    kind: "stdin",
    log: createLogger((line) => io.stderr.write(`${line}\n`), flags.logLevel),
    human: answers ? firstAnswer([stdin, answers]) : stdin,
    ...(answers ? { answers } : {}),
    debug: new DebugGate(),
    taps: [progressTap(io)],
    signal: io.signal ?? new AbortController().signal,
    // A resumed session may still hold the wire.json of a listening run that was killed: it names
    // a server that is gone, and this run serves none. (A store's session holds none.)
    onStart: (info) => {
      if (!flags.store) tryRemoveWireInfo(info.sessionDir);
    },
    close: async () => {
      stdin.close();
      answers?.close();
    },
  };
}

/** A private directory for a store session's local files (wire.json, escapement.log): the temporary directory, named with the session id. */
const localDirOf = (sessionId: string): string => mkdtempSync(join(tmpdir(), `escapement-${sessionId}-`));

/** Removes a store session's local directory once nothing is left in it (the log, when there is one, stays). */
const removeIfEmpty = (dir: string): void => {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (the log stays for the user), or gone already.
  }
};

async function wireFrontend(flags: FrontendFlags, io: CliIo, ids: IdSource): Promise<Frontend> {
  const tui = flags.kind === "tui";
  const store = flags.store;
  // Log lines go to stderr until the sidecar owns the terminal, then to the session's escapement.log
  // (a store's session: its local directory's).
  let logFile: string | undefined;
  const sink = (line: string) => {
    if (!logFile) return void io.stderr.write(`${line}\n`);
    try {
      appendFileSync(logFile, `${line}\n`);
    } catch {
      // A log line is never worth a failed run.
    }
  };
  const log = createLogger(sink, flags.logLevel);
  const hub = new WireHub({ log });
  const human = new WireHuman();
  const gate = new DebugGate({ startPaused: flags.debug, onChange: (state) => log.debug("debugger", { ...state }) });
  const steering = new SteerChannel();
  const token = ids.token();
  const listen = flags.web ?? flags.listen ?? DEFAULT_LISTEN;
  // Resolved before the server starts: a missing browser renderer is a usage error, not a broken session.
  const webRoot = flags.web ? resolveWebDist(io.env) : undefined;
  const server = await WireServer.start({
    hub,
    human,
    gate,
    steer: (frame) => steerReply(steering.steer(frame.conversation, frame.text, "renderer")),
    // The session exists once the run starts (see onStart); reads before then are refused.
    blobs: store ? storeBlobs(store, () => storeKey) : { sessionDir: () => sessionDir },
    token,
    host: listen.host,
    port: listen.port,
    ...(webRoot ? { http: staticFiles(webRoot) } : {}),
    log,
    ...(flags.heartbeatMs === undefined ? {} : { heartbeatMs: flags.heartbeatMs }),
  });
  let command: ReturnType<typeof sidecarCommand> | undefined;
  try {
    // Resolved before the run starts, so a missing Bun or TUI package is a usage error, not a broken session.
    if (tui) command = sidecarCommand(server.url, token, io.env, io.pid ?? process.pid);
  } catch (error) {
    await server.close(CLOSE_CODES.goingAway);
    throw error;
  }
  const abort = new AbortController();
  const signal = io.signal ? AbortSignal.any([io.signal, abort.signal]) : abort.signal;
  let terminal: TerminalGuard | undefined;
  let sidecar: Sidecar | undefined;
  let sessionDir: string | undefined;
  /** The session's key in `store` (its id: a run's session is never a fleet child). */
  let storeKey: string | undefined;
  /** Where wire.json and escapement.log go: the session directory, or a store session's local directory. */
  let filesDir: string | undefined;
  let runOver = false;
  let diedMidRun: SidecarExit | undefined;

  const onStart = (info: RunStartInfo) => {
    sessionDir = info.sessionDir;
    if (store) {
      const key = info.sessionId;
      storeKey = key;
      hub.rows = () => store.rows(key);
      filesDir = localDirOf(info.sessionId);
    } else {
      hub.transcriptPath = join(info.sessionDir, "transcript.jsonl");
      filesDir = info.sessionDir;
    }
    writeWireInfo(filesDir, server.url, token);
    if (!tui) {
      io.stderr.write(`wire: ${server.url} (token in ${join(filesDir, "wire.json")})\n`);
      if (webRoot) io.stderr.write(`web: ${webUrl(server.httpUrl, token)}\n`);
      return;
    }
    logFile = join(filesDir, "escapement.log");
    log.info("wire server listening; starting the terminal UI", { url: server.url, session: info.sessionDir });
    terminal = borrowTerminal(io);
    // A store's session has no directory to give: the terminal UI reads blobs over the wire.
    sidecar = spawnSidecar(sidecarArgs(command!, store ? undefined : info.sessionDir), { cwd: io.cwd, env: io.env });
    void sidecar.exited.then((exit) => {
      // A TUI that did not exit cleanly left the terminal as it was: put it back.
      terminalRestore(exit);
      // Quit after the run's last row went out: nothing to end.
      if (runOver || hub.ended) return;
      if (terminalGone(exit)) {
        // The terminal closed (the UI got SIGHUP first, or saw its input end): as a hang-up of the core, the session stays resumable.
        log.warn("the terminal UI lost its terminal while the run was live; ending the run, the session stays resumable", { ...exit });
        abort.abort(new RunInterruption("the terminal hung up (SIGHUP)"));
        return;
      }
      diedMidRun = exit;
      log.warn("the terminal UI exited while the run was live; ending the run (status aborted)", { ...exit });
      abort.abort(new Error("the terminal UI exited"));
    });
  };

  // The terminal UI always waits for its TUI; wire renderers only with --wait-for-renderer.
  const waitMs = flags.waitForRendererMs ?? (tui ? DEFAULT_RENDERER_WAIT_MS : undefined);
  const untilReady =
    waitMs === undefined
      ? undefined
      : async (): Promise<readonly RowInput[]> => {
          if (!tui) io.stderr.write(`${waitingLine(waitMs)}\n`);
          const attached = await server.waitForRenderer(waitLimitMs(waitMs), signal);
          if (attached || signal.aborted) return [];
          const notice = noRendererNotice(tui ? "tui" : "renderer", waitMs);
          // The terminal UI's log is escapement.log; headless, the log is stderr already.
          if (tui) log.warn(notice.line);
          io.stderr.write(`${notice.line}\n`);
          return [notice.row];
        };

  /** The UI ended because its terminal went: SIGHUP, or its own exit status for a lost terminal (129). */
  const terminalGone = (exit: SidecarExit): boolean => exit.signal === "SIGHUP" || exit.code === TUI_TERMINAL_GONE_EXIT;

  const terminalRestore = (exit: SidecarExit) => {
    if (terminal) giveTerminalBack(terminal, exit);
  };

  const close = async () => {
    runOver = true;
    if (filesDir) tryRemoveWireInfo(filesDir);
    human.close();
    if (sidecar?.running) {
      // Interrupted (SIGINT/SIGTERM): take the TUI down too. Otherwise it shows the outcome until quit.
      const exit = io.signal?.aborted ? await sidecar.stop() : await sidecar.exited;
      terminalRestore(exit);
    }
    // Renderers still attached get the end of the run (and may reconnect for it) before the server goes.
    if (!io.signal?.aborted) await server.linger(flags.lingerMs ?? DEFAULT_LINGER_MS, io.signal);
    await server.close(io.signal?.aborted ? CLOSE_CODES.goingAway : CLOSE_CODES.normal);
    if (diedMidRun) {
      const how = diedMidRun.error
        ? `did not start (${diedMidRun.error})`
        : diedMidRun.signal
          ? `was killed (${diedMidRun.signal})`
          : `exited with code ${diedMidRun.code}`;
      io.stderr.write(
        `escapement: the terminal UI ${how} while the run was live; the run was ended (status aborted)${sessionDir ? `. Session: ${sessionDir}` : ""}\n`,
      );
    }
    if (store && filesDir) {
      // Nothing else says where a store session's log went.
      if (logFile && existsSync(logFile)) io.stderr.write(`escapement: the run's log is in ${logFile}\n`);
      removeIfEmpty(filesDir);
    }
  };

  return {
    kind: flags.kind,
    log,
    human,
    answers: human,
    debug: gate,
    steering,
    taps: [hub.ingest, ...(tui ? [] : [progressTap(io)])],
    signal,
    onStart,
    ...(untilReady ? { untilReady } : {}),
    close,
  };
}
