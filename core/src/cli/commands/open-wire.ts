/**
 * `escapement open <session> --no-spawn` (or `--listen` without a terminal): a saved session
 * served to any renderer, as a live run is, with no terminal UI.
 *
 * - The URL and token are printed, not written: the session may be a live run's, whose
 *   `wire.json` a replay must not replace, and `open` writes nothing into a session. stdout gets
 *   one line shaped as `wire.json`, stderr a line with the URL.
 * - The playback starts once a renderer has attached: without one nothing is shown. By default
 *   the wait has no limit; `--wait-for-renderer <seconds>` bounds it (then `open` exits 1).
 * - The server stays up while a renderer is attached (it may seek back after the end); once none
 *   has been attached for `--linger` seconds (default 3, so a dropped connection can come back)
 *   it closes and `open` exits 0. Ctrl-C ends it at any time (1001 to attached renderers).
 */
import { CLOSE_CODES } from "@escapement/wire-schema";
import type { Timing } from "../../replay/index.js";
import { randomIds, type IdSource } from "../../runtime/ids.js";
import { wireInfoOf } from "../../wire/wire-info.js";
import type { WireServer } from "../../wire/wire-server.js";
import type { CliIo } from "../cli-io.js";
import { exitCodes } from "../exit-codes.js";
import type { ListenAddress } from "../listen-address.js";
import { DEFAULT_LINGER_MS, waitLimitMs } from "../renderer-wait.js";
import { startReplayServer } from "./replay-server.js";

export interface OpenWireFlags {
  listen: ListenAddress;
  /** Longest wait for the first renderer; 0 or absent: no limit. */
  waitForRendererMs?: number;
  /** How long the server waits for a renderer to come back once none is attached. Default 3 s. */
  lingerMs?: number;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/** Where a served replay is: `wire.json`'s shape on stdout (the token is there), the URL on stderr. */
export function announceReplay(io: CliIo, url: string, token: string): void {
  io.stdout.write(`${JSON.stringify(wireInfoOf(url, token, io.pid ?? process.pid))}\n`);
  io.stderr.write(`wire: ${url} (a replay; URL and token on stdout)\n`);
}

/** The line `open` prints while it waits for the first renderer. */
export const replayWaitingLine = (ms: number): string =>
  ms === 0
    ? "wire: waiting for a renderer to attach before the playback starts"
    : `wire: waiting up to ${seconds(ms)} for a renderer to attach before the playback starts`;

/** Resolves once no renderer has been attached for `lingerMs`, or when `signal` aborts. */
async function untilUnwatched(server: WireServer, lingerMs: number, signal: AbortSignal): Promise<void> {
  for (;;) {
    await server.linger(waitLimitMs(0), signal);
    if (signal.aborted) return;
    if (!(await server.waitForRenderer(lingerMs, signal))) return;
  }
}

export async function openOnWire(dir: string, timing: Timing, flags: OpenWireFlags, io: CliIo, ids: IdSource = randomIds): Promise<number> {
  const replay = await startReplayServer(dir, timing, ids, flags.listen);
  const { server } = replay;
  announceReplay(io, server.url, replay.token);
  const stop = new AbortController();
  const signal = io.signal ? AbortSignal.any([io.signal, stop.signal]) : stop.signal;
  const waitMs = flags.waitForRendererMs ?? 0;
  io.stderr.write(`${replayWaitingLine(waitMs)}\n`);
  const attached = server.waitForRenderer(waitLimitMs(waitMs), signal);
  // The transcript is indexed while the wait goes on; nothing plays when no renderer came.
  const playing = replay.play(
    attached.then((yes) => yes || stop.abort()),
    signal,
  );
  let code: number = exitCodes.ok;
  if (await attached) await untilUnwatched(server, flags.lingerMs ?? DEFAULT_LINGER_MS, signal);
  else if (!io.signal?.aborted) {
    io.stderr.write(`escapement: no renderer attached within ${seconds(waitMs)}; nothing was played\n`);
    code = exitCodes.runFailed;
  }
  stop.abort();
  await server.close(io.signal?.aborted ? CLOSE_CODES.goingAway : CLOSE_CODES.normal);
  await playing.catch(() => undefined);
  if (replay.skipped > 0) io.stderr.write(`notice: ${replay.skipped} unreadable transcript line(s) skipped\n`);
  return code;
}
