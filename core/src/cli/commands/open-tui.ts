import { CLOSE_CODES } from "@escapement/wire-schema";
import type { Timing } from "../../replay/index.js";
import { randomIds, type IdSource } from "../../runtime/ids.js";
import type { CliIo } from "../cli-io.js";
import type { ListenAddress } from "../listen-address.js";
import { sidecarCommand } from "../tui/sidecar.js";
import { runTerminalUi } from "../tui/terminal-ui.js";
import { exitCodes } from "../exit-codes.js";
import { announceReplay } from "./open-wire.js";
import { startReplayServer } from "./replay-server.js";

/** How long the playback waits for the terminal UI to attach before it starts anyway. */
export const RENDERER_WAIT_MS = 10_000;

/**
 * Shows a saved session in the terminal UI: the transcript is played (with the chosen timing, once
 * the UI has attached) into a read-only replay server, which the Bun sidecar attaches to; the UI's
 * keys pause, step and seek. With `listen` the server is on that address and other renderers may
 * attach too (its URL and token are printed before the UI starts). Nothing is written to the
 * session directory.
 */
export async function openInTui(dir: string, timing: Timing, io: CliIo, listen?: ListenAddress, ids: IdSource = randomIds): Promise<number> {
  const replay = await startReplayServer(dir, timing, ids, listen);
  const { server, token } = replay;
  let command: ReturnType<typeof sidecarCommand>;
  try {
    command = sidecarCommand(server.url, token, io.env, io.pid ?? process.pid);
  } catch (error) {
    await server.close(CLOSE_CODES.goingAway);
    throw error;
  }
  if (listen) announceReplay(io, server.url, token);
  const stop = new AbortController();
  let playing: Promise<unknown> = Promise.resolve();
  const exit = await runTerminalUi(command, dir, io, () => {
    // The first row waits for the UI, so a timed replay is seen from its start.
    playing = replay.play(server.waitForRenderer(RENDERER_WAIT_MS, stop.signal), stop.signal);
  });
  stop.abort();
  await server.close(CLOSE_CODES.normal);
  await playing.catch(() => undefined);
  if (replay.skipped > 0) io.stderr.write(`notice: ${replay.skipped} unreadable transcript line(s) skipped\n`);
  if (exit.error) {
    io.stderr.write(`escapement: the terminal UI did not start (${exit.error}); open it headless with --emit-wire\n`);
    return exitCodes.runFailed;
  }
  // The UI failed on its own (it said why on the terminal); an interrupt is not a failure of it.
  if (exit.code !== 0 && exit.signal === null && !io.signal?.aborted) return exitCodes.runFailed;
  return exitCodes.ok;
}
