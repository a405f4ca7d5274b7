import { CLOSE_CODES, type ControlFrame, type SeekFrame, type TranscriptRow } from "@escapement/wire-schema";
import type { ControlResult } from "../../debug/debug-gate.js";
import { buildSeekIndex, Player, type Timing } from "../../replay/index.js";
import { randomIds, type IdSource } from "../../runtime/ids.js";
import { silentLogger } from "../../runtime/logger.js";
import { sessionPaths } from "../../runtime/session-dir.js";
import { readTranscript } from "../../runtime/transcript-reader.js";
import type { RequestResult } from "../../wire/wire-connection.js";
import { WireHub } from "../../wire/wire-hub.js";
import { WireServer } from "../../wire/wire-server.js";
import type { CliIo } from "../cli-io.js";
import { sidecarArgs, sidecarCommand, spawnSidecar } from "../tui/sidecar.js";
import { TerminalGuard } from "../tui/terminal.js";
import { exitCodes } from "../exit-codes.js";

/** How long the playback waits for the terminal UI to attach before it starts anyway. */
export const RENDERER_WAIT_MS = 10_000;

/** The renderer's pause / continue / step keys drive the playback; the run's other controls do not apply to a saved session. */
export function playbackControl(player: Pick<Player, "pause" | "resume" | "step">, frame: ControlFrame): ControlResult {
  switch (frame.action) {
    case "pause":
      player.pause();
      return { ok: true };
    case "continue":
      player.resume();
      return { ok: true };
    case "step":
      player.step(frame.n ?? 1);
      return { ok: true };
    default:
      return {
        ok: false,
        error: {
          code: "invalid-control",
          path: "/action",
          message: `/action: "${frame.action}" does nothing in a replay (pause, continue and step move the playback)`,
        },
      };
  }
}

/** A `seek` frame moves the playback; a landmark that is not there is refused with the reason. */
export function playbackSeek(player: Pick<Player, "seek">, frame: SeekFrame): RequestResult {
  const resolved = player.seek(frame.to);
  return resolved.ok ? { ok: true } : { ok: false, error: { code: "invalid-seek", path: "/to", message: `/to: ${resolved.message}` } };
}

/**
 * Shows a saved session in the terminal UI: the transcript is played (with the chosen timing, once
 * the UI has attached) into a read-only wire server flagged `replay`, which the Bun sidecar
 * attaches to; the UI's keys pause, step and seek. Nothing is written to the session directory.
 */
export async function openInTui(dir: string, timing: Timing, io: CliIo, ids: IdSource = randomIds): Promise<number> {
  const transcript = sessionPaths(dir).transcript;
  const hub = new WireHub({ transcriptPath: transcript, log: silentLogger });
  let skipped = 0;
  /** Made once the transcript is indexed (while the UI starts). */
  let player: Player | undefined;
  const notYet: ControlResult = { ok: false, error: { code: "invalid-control", path: "", message: "(frame): the playback has not started yet" } };
  const token = ids.token();
  const server = await WireServer.start({
    hub,
    token,
    replay: true,
    // No heartbeats: the renderer is a child of this process, and a paused replay is silent by design.
    heartbeatMs: 0,
    control: (frame) => (player ? playbackControl(player, frame) : notYet),
    seek: (frame) => (player ? playbackSeek(player, frame) : notYet),
    log: silentLogger,
  });
  let command: ReturnType<typeof sidecarCommand>;
  try {
    command = sidecarCommand(server.url, token, io.env, io.pid ?? process.pid);
  } catch (error) {
    await server.close(CLOSE_CODES.goingAway);
    throw error;
  }
  const stop = new AbortController();
  const terminal = new TerminalGuard(io.stdout, Boolean((io.stdin as { isTTY?: boolean }).isTTY));
  terminal.save();
  const sidecar = spawnSidecar(sidecarArgs(command, dir), { cwd: io.cwd, env: io.env });
  // The first row waits for the UI, so a timed replay is seen from its start.
  const playing = (async () => {
    const [index] = await Promise.all([
      buildSeekIndex(readTranscript(transcript, { onIssue: () => skipped++ })),
      server.waitForRenderer(RENDERER_WAIT_MS, stop.signal),
    ]);
    if (stop.signal.aborted) return;
    player = new Player({
      timing,
      index,
      rows: () => readTranscript(transcript),
      ingest: (row) => hub.ingest([row]),
      rewind: () => hub.rewind(),
      onStatus: (status) => (hub.playback = status),
      onEnd: () => {
        if (skipped === 0) return;
        // A visible notice in the renderer's log; the session on disk is not touched.
        const notice: TranscriptRow = { seq: index.lastRowSeq + 1, ts: index.lastTs ?? 0, event: "replay/skipped-lines", data: { count: skipped } };
        hub.ingest([notice]);
      },
    });
    await player.run(stop.signal);
  })();
  const onInterrupt = () => void sidecar.stop();
  io.signal?.addEventListener("abort", onInterrupt, { once: true });
  const exit = await sidecar.exited;
  io.signal?.removeEventListener("abort", onInterrupt);
  if (exit.code === 0 && exit.signal === null) terminal.restoreLineSettings();
  else terminal.restore();
  stop.abort();
  await server.close(CLOSE_CODES.normal);
  await playing.catch(() => undefined);
  if (skipped > 0) io.stderr.write(`notice: ${skipped} unreadable transcript line(s) skipped\n`);
  if (exit.error) {
    io.stderr.write(`escapement: the terminal UI did not start (${exit.error}); open it headless with --emit-wire\n`);
    return exitCodes.runFailed;
  }
  // The UI failed on its own (it said why on the terminal); an interrupt is not a failure of it.
  if (exit.code !== 0 && exit.signal === null && !io.signal?.aborted) return exitCodes.runFailed;
  return exitCodes.ok;
}
