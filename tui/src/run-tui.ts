/**
 * The TUI process: parse the arguments, start the frame source, own the TTY through OpenTUI.
 * It ends, restoring the terminal, when the user quits (Ctrl-C, `q`, SIGTERM, SIGINT), when the
 * terminal goes (SIGHUP, end of input), and when the core is gone for good (the connection lost
 * past the reconnect window, or the process named by `--parent-pid` gone); see exit-reason.ts.
 */
import { createCliRenderer, type CliRenderer } from "@opentui/core";
import { createSignal } from "solid-js";
import type { ControlAction, OutboundFrame, SeekTarget } from "@escapement/wire-schema";
import { parseCliArgs, USAGE, type CliArgs } from "./cli-args.ts";
import {
  connectWs,
  createBlobReader,
  createWireBlobReader,
  EXIT_CODES,
  exitLine,
  openReplayFile,
  systemTimers,
  watchParent,
  watchTerminal,
  type BlobReader,
  type ConnectionStatus,
  type ExitReason,
} from "./transport/index.ts";
import { createViewStore, mountApp, themeFor } from "./ui/index.ts";

interface Session {
  control: (action: ControlAction) => boolean;
  seek: (to: SeekTarget) => boolean;
  steer: (conversation: string, text: string, id: string) => boolean;
  answer: (promptId: string, value: unknown, id: string) => boolean;
  cancelPrompt: (promptId: string, id: string) => boolean;
  /** Where drill-ins read full requests, responses and artifacts. */
  blobs: BlobReader;
  stop: () => void;
}

interface Sink {
  push: (frame: OutboundFrame) => void;
  flush: () => void;
  setStatus: (status: ConnectionStatus) => void;
}

/** Signals that mean "quit" (SIGHUP means the terminal is gone: see terminal-watch.ts). */
const QUIT_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGQUIT"];

/** Starts the frame source the arguments name, feeding `sink`. */
const start = (args: Exclude<CliArgs, { mode: "help" }>, { push, flush, setStatus }: Sink): Session => {
  if (args.mode === "replay") {
    const source = openReplayFile(args.file);
    let stopped = false;
    setStatus({ state: "replay", done: false });
    void (async () => {
      try {
        for await (const frame of source.frames()) {
          if (stopped) return;
          push(frame);
        }
        flush();
        setStatus({ state: "replay", done: true });
      } catch (error) {
        setStatus({ state: "closed", reason: error instanceof Error ? error.message : String(error) });
      }
    })();
    // A replay only shows what happened: nothing can be answered or driven.
    return {
      control: () => false,
      seek: () => false,
      steer: () => false,
      answer: () => false,
      cancelPrompt: () => false,
      blobs: createBlobReader(args.sessionDir),
      stop: () => void (stopped = true),
    };
  }
  // Without the session's directory (a session kept in a store, a core elsewhere), blobs come over the wire.
  const wireBlobs = args.sessionDir === undefined ? createWireBlobReader({ send: (frame) => client.readBlob(frame) }) : undefined;
  const client = connectWs({
    url: args.url,
    token: args.token,
    since: args.since,
    onFrame: (frame) => {
      if (!wireBlobs?.take(frame)) push(frame);
    },
    onStatus: (status) => {
      if (status.state === "reconnecting" || status.state === "closed") wireBlobs?.failAll("the connection to the core was lost");
      setStatus(status);
    },
  });
  return {
    control: (action) => client.control(action),
    seek: (to) => client.seek(to),
    steer: (conversation, text, id) => client.steer(conversation, text, id),
    answer: (promptId, value, id) => client.answer(promptId, value, id),
    cancelPrompt: (promptId, id) => client.cancelPrompt(promptId, id),
    blobs: wireBlobs ?? createBlobReader(args.sessionDir),
    stop: () => client.close(),
  };
};

/**
 * OpenTUI's renderer, whose native library comes from a platform package npm installs beside
 * @opentui/core (optional, so an unsupported platform or `--omit=optional` leaves it out): a
 * failure to load it is the machine's, and gets one line naming the package, not a stack trace.
 */
const createRenderer = async (): Promise<CliRenderer> => {
  try {
    // No exit signals for OpenTUI: it would restore the terminal on them but leave the process running.
    return await createCliRenderer({ exitOnCtrlC: false, useMouse: false, exitSignals: [] });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const native = `@opentui/core-${process.platform}-${process.arch}`;
    process.stderr.write(
      `escapement-tui: cannot start the terminal renderer (${reason}); it needs OpenTUI's native package ${native}: reinstall @escapement/tui with optional dependencies on a supported platform\n`,
    );
    process.exit(1);
  }
};

export const runTui = async (argv: readonly string[]): Promise<void> => {
  const parsed = parseCliArgs(argv, process.env);
  if (!parsed.ok) {
    process.stderr.write(`escapement-tui: ${parsed.error}\n${USAGE}\n`);
    process.exit(2);
  }
  if (parsed.args.mode === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const args = parsed.args;
  const store = createViewStore();
  const [status, setStatus] = createSignal<ConnectionStatus>({ state: "connecting" });
  const renderer = await createRenderer();
  /** What to stop on the way out: the watches, then the frame source. */
  const stops: (() => void)[] = [];
  let exiting = false;

  const exit = (reason: ExitReason, detail = "") => {
    if (exiting) return;
    exiting = true;
    for (const stop of stops.splice(0)) stop();
    store.dispose();
    try {
      renderer.destroy();
    } catch {
      // The terminal may be gone; there is nothing left to restore.
    }
    const line = exitLine(reason, detail);
    try {
      if (line) process.stderr.write(`${line}\n`);
    } catch {
      // No terminal to tell.
    }
    process.exit(EXIT_CODES[reason]);
  };
  const quit = () => exit("quit");

  // A process with no terminal left exits: on SIGHUP, and when reading the keyboard ends or fails.
  stops.push(watchTerminal({ signals: process, input: process.stdin, onGone: () => exit("terminal-gone") }));
  for (const signal of QUIT_SIGNALS) {
    process.on(signal, quit);
    stops.push(() => process.off(signal, quit));
  }
  // The process itself can stop writing to a hung-up terminal: EIO on stdout means the same.
  const onOutputError = () => exit("terminal-gone");
  process.stdout.on("error", onOutputError);
  stops.push(() => process.stdout.off("error", onOutputError));
  if (args.parentPid !== undefined) {
    const pid = args.parentPid;
    stops.push(watchParent({ pid, timers: systemTimers, onGone: () => exit("parent-gone", String(pid)) }));
  }

  const session = start(args, {
    push: store.push,
    flush: store.flush,
    setStatus: (next) => {
      setStatus(next);
      if (next.state === "closed" && next.gone) exit("core-gone", `${args.mode === "live" ? `${args.url}: ` : ""}${next.reason}`);
    },
  });
  stops.push(() => session.stop());
  await mountApp(renderer, {
    state: store.state,
    status,
    actions: { control: session.control, seek: session.seek, steer: session.steer, answer: session.answer, cancelPrompt: session.cancelPrompt, quit },
    local: store.local,
    blobs: session.blobs,
    theme: themeFor(process.env),
  });
};
