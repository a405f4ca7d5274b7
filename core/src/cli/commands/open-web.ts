import { CLOSE_CODES } from "@escapement/wire-schema";
import type { Timing } from "../../replay/index.js";
import { randomIds, type IdSource } from "../../runtime/ids.js";
import { staticFiles } from "../../wire/web-static.js";
import type { CliIo } from "../cli-io.js";
import { exitCodes } from "../exit-codes.js";
import type { ListenAddress } from "../listen-address.js";
import { resolveWebDist, webUrl } from "../web-dist.js";
import { startReplayServer } from "./replay-server.js";

/** Longest wait for the first browser before the playback starts anyway (a page may be opened late). */
const FIRST_RENDERER_WAIT_MS = 2 ** 31 - 1;

/**
 * `escapement open <session> --web`: serves a saved session to the browser renderer, read-only,
 * as `--no-spawn` serves it to any renderer (replay-server.ts), with the page on the same port.
 * The transcript plays (with the chosen timing) once the first page has attached; the page's
 * pause, step and continue drive the playback. It serves until interrupted (Ctrl-C), so a page
 * can be reloaded or opened again; nothing is written to the session directory.
 */
export async function openInBrowser(dir: string, timing: Timing, address: ListenAddress, io: CliIo, ids: IdSource = randomIds): Promise<number> {
  const replay = await startReplayServer(dir, timing, ids, address, staticFiles(resolveWebDist(io.env)));
  const { server } = replay;
  io.stderr.write(`web: ${webUrl(server.httpUrl, replay.token)}\nserving ${dir} until interrupted (Ctrl-C)\n`);
  const stop = new AbortController();
  const interrupted = new Promise<void>((resolve) => {
    if (io.signal?.aborted) return resolve();
    io.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  const playing = replay.play(server.waitForRenderer(FIRST_RENDERER_WAIT_MS, stop.signal), stop.signal);
  await interrupted;
  stop.abort();
  await server.close(CLOSE_CODES.goingAway);
  await playing.catch(() => undefined);
  if (replay.skipped > 0) io.stderr.write(`notice: ${replay.skipped} unreadable transcript line(s) skipped\n`);
  return exitCodes.ok;
}
