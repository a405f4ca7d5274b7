/**
 * The TUI process: parse the arguments, start the frame source, own the TTY through OpenTUI.
 * Ctrl-C (or SIGTERM) restores the terminal and exits.
 */
import { createCliRenderer, type CliRenderer } from "@opentui/core";
import { createSignal } from "solid-js";
import type { ControlAction, OutboundFrame } from "@escapement/wire-schema";
import { parseCliArgs, USAGE, type CliArgs } from "./cli-args.ts";
import { connectWs, createBlobReader, openReplayFile, type ConnectionStatus } from "./transport/index.ts";
import { createViewStore, mountApp, themeFor } from "./ui/index.ts";

interface Session {
  control: (action: ControlAction) => boolean;
  answer: (promptId: string, value: unknown, id: string) => boolean;
  cancelPrompt: (promptId: string, id: string) => boolean;
  stop: () => void;
}

interface Sink {
  push: (frame: OutboundFrame) => void;
  flush: () => void;
  setStatus: (status: ConnectionStatus) => void;
}

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
    return { control: () => false, answer: () => false, cancelPrompt: () => false, stop: () => void (stopped = true) };
  }
  const client = connectWs({ url: args.url, token: args.token, since: args.since, onFrame: push, onStatus: setStatus });
  return {
    control: (action) => client.control(action),
    answer: (promptId, value, id) => client.answer(promptId, value, id),
    cancelPrompt: (promptId, id) => client.cancelPrompt(promptId, id),
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
    return await createCliRenderer({ exitOnCtrlC: false, useMouse: false });
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
  const store = createViewStore();
  const [status, setStatus] = createSignal<ConnectionStatus>({ state: "connecting" });
  const renderer = await createRenderer();
  const session = start(parsed.args, { push: store.push, flush: store.flush, setStatus });
  let quitting = false;
  const quit = () => {
    if (quitting) return;
    quitting = true;
    session.stop();
    store.dispose();
    renderer.destroy();
    process.exit(0);
  };
  process.on("SIGTERM", quit);
  await mountApp(renderer, {
    state: store.state,
    status,
    actions: { control: session.control, answer: session.answer, cancelPrompt: session.cancelPrompt, quit },
    local: store.local,
    blobs: createBlobReader(parsed.args.sessionDir),
    theme: themeFor(process.env),
  });
};
