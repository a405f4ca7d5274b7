// The replay's own modules, not its index, and the stores only for `--store`: `open --emit-wire`
// loads what its first frame needs and little else.
import { emitWire } from "../../replay/emit-wire.js";
import { validateSessionDir } from "../../replay/validate-session-dir.js";
import type { Timing } from "../../replay/playback.js";
import { defaultSessionsRoot, sessionPaths } from "../../runtime/session-dir.js";
import type { CliIo } from "../cli-io.js";
import { UsageError } from "../../runtime/usage-error.js";
import { exitCodes } from "../exit-codes.js";
import type { ListenAddress } from "../listen-address.js";

export interface OpenFlags {
  timing: Timing["mode"];
  speed: number;
  intervalMs: number;
  capMs: number;
  emitWire: boolean;
  /** `--web [host:]port`: serve the replay and the browser renderer there. */
  web?: ListenAddress;
  /** `--listen [host:]port`: serve the replay there. */
  listen?: ListenAddress;
  /** False with `--no-spawn`: serve the replay without the terminal UI. */
  spawn: boolean;
  /** `--wait-for-renderer`: longest wait for the first renderer (0: no limit, the default). */
  waitForRendererMs?: number;
  /** `--linger`: how long a served replay waits for a renderer to come back. */
  lingerMs?: number;
  /** `--store`: where the session lives (default disk: a directory or an id under .escapement/). */
  store?: string;
}

export type OpenMode = "emit-wire" | "tui" | "wire";

/** How `open` shows the session, from its flags. */
export function openMode(flags: Pick<OpenFlags, "emitWire" | "listen" | "spawn" | "waitForRendererMs" | "lingerMs">, stdoutIsTty: boolean): OpenMode {
  const serving = flags.listen !== undefined || !flags.spawn;
  if (flags.emitWire) {
    if (serving) throw new UsageError("--emit-wire writes the wire JSONL to stdout; it does not go with --listen or --no-spawn");
    return "emit-wire";
  }
  const mode: OpenMode = !flags.spawn || (flags.listen !== undefined && !stdoutIsTty) ? "wire" : "tui";
  if (mode === "tui" && !stdoutIsTty)
    throw new UsageError(
      "escapement open needs a terminal to show the session; use --no-spawn to serve it to another renderer, or --emit-wire to write the wire JSONL to stdout",
    );
  if (mode === "tui" && (flags.waitForRendererMs !== undefined || flags.lingerMs !== undefined))
    throw new UsageError("--wait-for-renderer and --linger apply to a replay served without the terminal UI: add --no-spawn");
  return mode;
}

export const timingOf = (flags: Pick<OpenFlags, "timing" | "speed" | "intervalMs" | "capMs">): Timing =>
  flags.timing === "paced"
    ? { mode: "paced", intervalMs: flags.intervalMs }
    : flags.timing === "wallclock"
      ? { mode: "wallclock", speed: flags.speed, capMs: flags.capMs }
      : { mode: "instant" };

/**
 * `escapement open <session>` (a session id or directory): replays a saved session read-only.
 * With `--emit-wire` the wire JSONL goes to stdout (no TTY needed); with `--web` a browser shows
 * it; with `--no-spawn` (or `--listen` without a terminal) it is served to any renderer
 * (open-wire.ts); otherwise the terminal UI shows it, which needs a TTY (and with `--listen`,
 * serves it there too).
 */
export async function openCommand(
  arg: string | undefined,
  flags: OpenFlags,
  io: CliIo,
  showInTui?: (dir: string, timing: Timing, listen?: ListenAddress) => Promise<number>,
  showOnWeb?: (dir: string, timing: Timing, address: ListenAddress) => Promise<number>,
): Promise<number> {
  if (flags.store === undefined) return openDir(validateSessionDir(arg, io.cwd), flags, io, showInTui, showOnWeb);
  const [{ openStore, parseStoreSpec }, { copySessionOut }] = await Promise.all([import("../../store/index.js"), import("./store-copy.js")]);
  const spec = parseStoreSpec(flags.store);
  if (spec.kind === "disk") return openDir(validateSessionDir(arg, io.cwd), flags, io, showInTui, showOnWeb);
  if (arg === undefined) throw new UsageError("escapement open --store needs the session's id");
  // A store without directories: the session is copied out and replayed from the copy.
  const store = await openStore(spec, { root: defaultSessionsRoot(io.cwd), cwd: io.cwd });
  try {
    const copy = await copySessionOut(store, await store.locate(arg));
    try {
      return await openDir(copy.dir, flags, io, showInTui, showOnWeb);
    } finally {
      copy.remove();
    }
  } finally {
    await store.close();
  }
}

async function openDir(
  dir: string,
  flags: OpenFlags,
  io: CliIo,
  showInTui?: (dir: string, timing: Timing, listen?: ListenAddress) => Promise<number>,
  showOnWeb?: (dir: string, timing: Timing, address: ListenAddress) => Promise<number>,
): Promise<number> {
  const timing = timingOf(flags);
  if (flags.web) {
    if (flags.emitWire) throw new UsageError("--web and --emit-wire both say where the replay goes; choose one");
    if (flags.listen !== undefined || !flags.spawn) throw new UsageError("--web serves the replay itself; it does not go with --listen or --no-spawn");
    if (!showOnWeb) throw new UsageError("the browser renderer is not available in this build; use --emit-wire");
    return showOnWeb(dir, timing, flags.web);
  }
  const mode = openMode(flags, io.stdoutIsTty);
  if (mode === "wire") {
    const [{ openOnWire }, { DEFAULT_LISTEN }] = await Promise.all([import("./open-wire.js"), import("../listen-address.js")]);
    return openOnWire(
      dir,
      timing,
      {
        listen: flags.listen ?? DEFAULT_LISTEN,
        ...(flags.waitForRendererMs === undefined ? {} : { waitForRendererMs: flags.waitForRendererMs }),
        ...(flags.lingerMs === undefined ? {} : { lingerMs: flags.lingerMs }),
      },
      io,
    );
  }
  if (mode === "tui") {
    if (!showInTui) throw new UsageError("the terminal UI is not available in this build; use --no-spawn or --emit-wire");
    return showInTui(dir, timing, flags.listen);
  }
  let skipped = 0;
  await emitWire(sessionPaths(dir).transcript, timing, io.stdout, { onSkip: () => skipped++ });
  if (skipped > 0) io.stderr.write(`notice: ${skipped} unreadable transcript line(s) skipped\n`);
  return exitCodes.ok;
}
