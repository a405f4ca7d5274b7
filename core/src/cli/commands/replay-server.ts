import type { RequestListener } from "node:http";
import type { ControlFrame, SeekFrame, TranscriptRow } from "@escapement/wire-schema";
import type { ControlResult } from "../../debug/debug-gate.js";
import { buildSeekIndex, Player, type Timing } from "../../replay/index.js";
import type { IdSource } from "../../runtime/ids.js";
import { silentLogger } from "../../runtime/logger.js";
import { sessionPaths } from "../../runtime/session-dir.js";
import { readTranscript } from "../../runtime/transcript-reader.js";
import type { RequestResult } from "../../wire/wire-connection.js";
import { WireHub } from "../../wire/wire-hub.js";
import { WireServer } from "../../wire/wire-server.js";
import { DEFAULT_LISTEN, type ListenAddress } from "../listen-address.js";

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

export interface ReplayServer {
  readonly server: WireServer;
  readonly token: string;
  /**
   * Plays the transcript into the server once `ready` settles (the transcript is indexed
   * meanwhile), until `signal` aborts; after the last row it waits for seeks.
   */
  play(ready: Promise<unknown>, signal: AbortSignal): Promise<void>;
  /** Unreadable transcript lines skipped so far. */
  readonly skipped: number;
}

/**
 * A saved session served read-only over the wire, as a live run is: a wire server flagged
 * `replay`, with the `control` (pause, continue, step), `playback` (seek) and `blobs` capabilities and no
 * heartbeats (a paused replay is silent by design, and there is no live run to lose). Answers and
 * steering do not apply. Nothing is written to the session directory.
 */
export async function startReplayServer(
  dir: string,
  timing: Timing,
  ids: IdSource,
  listen: ListenAddress = DEFAULT_LISTEN,
  /** Serves HTTP on the same port (the browser renderer's page, `--web`). */
  http?: RequestListener,
): Promise<ReplayServer> {
  const transcript = sessionPaths(dir).transcript;
  const hub = new WireHub({ transcriptPath: transcript, log: silentLogger });
  let skipped = 0;
  /** Made once the transcript is indexed. */
  let player: Player | undefined;
  const notYet: ControlResult = { ok: false, error: { code: "invalid-control", path: "", message: "(frame): the playback has not started yet" } };
  const token = ids.token();
  const server = await WireServer.start({
    hub,
    token,
    host: listen.host,
    port: listen.port,
    replay: true,
    heartbeatMs: 0,
    control: (frame) => (player ? playbackControl(player, frame) : notYet),
    seek: (frame) => (player ? playbackSeek(player, frame) : notYet),
    // The full requests, responses and artifacts the rows point at, read from the saved session.
    blobs: { sessionDir: () => dir },
    ...(http ? { http } : {}),
    log: silentLogger,
  });
  const play = async (ready: Promise<unknown>, signal: AbortSignal): Promise<void> => {
    const [index] = await Promise.all([buildSeekIndex(readTranscript(transcript, { onIssue: () => skipped++ })), ready]);
    if (signal.aborted) return;
    const current = new Player({
      timing,
      index,
      rows: () => readTranscript(transcript),
      ingest: (row) => hub.ingest([row]),
      rewind: () => hub.rewind(),
      onStatus: () => hub.playbackChanged(),
      onEnd: () => {
        if (skipped === 0) return;
        // A visible notice in the renderer's log; the session on disk is not touched.
        const notice: TranscriptRow = { seq: index.lastRowSeq + 1, ts: index.lastTs ?? 0, event: "replay/skipped-lines", data: { count: skipped } };
        hub.ingest([notice]);
      },
    });
    hub.followPlayback(() => current.status);
    player = current;
    await current.run(signal);
  };
  return {
    server,
    token,
    play,
    get skipped() {
      return skipped;
    },
  };
}
