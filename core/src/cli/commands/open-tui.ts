import { CLOSE_CODES, type ControlFrame, type TranscriptRow } from "@escapement/wire-schema";
import type { ControlResult } from "../../debug/debug-gate.js";
import { PlaybackControl, play, type Timing } from "../../replay/index.js";
import { randomIds, type IdSource } from "../../runtime/ids.js";
import { silentLogger } from "../../runtime/logger.js";
import { sessionPaths } from "../../runtime/session-dir.js";
import { readTranscript } from "../../runtime/transcript-reader.js";
import { WireHub } from "../../wire/wire-hub.js";
import { WireServer } from "../../wire/wire-server.js";
import type { CliIo } from "../cli-io.js";
import { sidecarArgs, sidecarCommand, spawnSidecar } from "../tui/sidecar.js";
import { TerminalGuard } from "../tui/terminal.js";
import { exitCodes } from "../exit-codes.js";

/** The renderer's pause / continue / step keys drive the playback; the rest of the debugger is inert. */
export function playbackControl(control: PlaybackControl, frame: ControlFrame): ControlResult {
  switch (frame.action) {
    case "pause":
      control.pause();
      return { ok: true };
    case "continue":
      control.resume();
      return { ok: true };
    case "step":
      control.skip(frame.n ?? 1);
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

/**
 * Shows a saved session in the terminal UI: the transcript is played (with the chosen timing)
 * into a read-only wire server flagged `replay`, which the Bun sidecar attaches to. Nothing is
 * written to the session directory.
 */
export async function openInTui(dir: string, timing: Timing, io: CliIo, ids: IdSource = randomIds): Promise<number> {
  const transcript = sessionPaths(dir).transcript;
  const hub = new WireHub({ transcriptPath: transcript, log: silentLogger });
  const control = new PlaybackControl();
  const token = ids.token();
  const server = await WireServer.start({ hub, token, replay: true, control: (frame) => playbackControl(control, frame), log: silentLogger });
  let command: ReturnType<typeof sidecarCommand>;
  try {
    command = sidecarCommand(server.url, token, io.env);
  } catch (error) {
    await server.close(CLOSE_CODES.goingAway);
    throw error;
  }
  const stop = new AbortController();
  let skipped = 0;
  let lastSeq = 0;
  const feeding = (async () => {
    const rows = readTranscript(transcript, { onIssue: () => skipped++ });
    for await (const row of play(rows, timing, { control })) {
      if (stop.signal.aborted) return;
      lastSeq = row.seq;
      hub.ingest([row]);
    }
    if (skipped > 0 && !stop.signal.aborted) {
      // A visible notice in the renderer's log; the session on disk is not touched.
      const notice: TranscriptRow = { seq: lastSeq + 1, ts: Date.now(), event: "replay/skipped-lines", data: { count: skipped } };
      hub.ingest([notice]);
    }
  })();
  const terminal = new TerminalGuard(io.stdout, Boolean((io.stdin as { isTTY?: boolean }).isTTY));
  terminal.save();
  const sidecar = spawnSidecar(sidecarArgs(command, dir), { cwd: io.cwd, env: io.env });
  const onInterrupt = () => void sidecar.stop();
  io.signal?.addEventListener("abort", onInterrupt, { once: true });
  const exit = await sidecar.exited;
  io.signal?.removeEventListener("abort", onInterrupt);
  if (exit.code === 0 && exit.signal === null) terminal.restoreLineSettings();
  else terminal.restore();
  stop.abort();
  control.resume();
  await server.close(CLOSE_CODES.normal);
  await feeding.catch(() => undefined);
  if (skipped > 0) io.stderr.write(`notice: ${skipped} unreadable transcript line(s) skipped\n`);
  if (exit.error) {
    io.stderr.write(`escapement: the terminal UI did not start (${exit.error}); open it headless with --emit-wire\n`);
    return exitCodes.runFailed;
  }
  // The UI failed on its own (it said why on the terminal); an interrupt is not a failure of it.
  if (exit.code !== 0 && exit.signal === null && !io.signal?.aborted) return exitCodes.runFailed;
  return exitCodes.ok;
}
