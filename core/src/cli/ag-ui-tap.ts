/**
 * `escapement run … --ag-ui [host:]port`: the run's transcript rows, as public events, served as an
 * AG-UI event stream (lib/ag-ui-server.ts) beside whatever frontend shows the run. The server is up
 * before the chart starts, so a client may connect at once; one that connects later still gets the
 * run from its start.
 */
import { createLiveEventMapper } from "../lib/live-events.js";
import { startAgUiServer, type AgUiServer } from "../lib/ag-ui-server.js";
import { readBlob } from "../runtime/io-store.js";
import type { Logger } from "../runtime/logger.js";
import type { RowTap } from "../runtime/transcript-writer.js";
import { UsageError } from "../runtime/usage-error.js";
import type { ListenAddress } from "./listen-address.js";
import { PROTOCOL_MAJOR, type AnswerFrame } from "@escapement/wire-schema";
import type { ResumeEntry } from "@ag-ui/core";
import type { WireHuman } from "../wire/wire-human.js";

export interface AgUiTap {
  readonly url: string;
  /** Add to the run's taps. */
  readonly tap: RowTap;
  /** Add to the run's options: the chart's context, as each checkpoint changes it (STATE_DELTA). */
  readonly onContext: (context: unknown, seq: number) => void;
  /** The session directory, once known: tool inputs and outputs are read from its blobs. */
  onStart(sessionDir: string): void;
  /** After the run: clients get the end of the stream, then the server stops. */
  close(): Promise<void>;
}

/** `answers`: where a client's resume entries go (the frontend's, see run-frontend.ts); none: they are dropped. */
export async function openAgUiTap(address: ListenAddress, log: Logger, answers?: WireHuman): Promise<AgUiTap> {
  let sessionDir: string | undefined;
  let server: AgUiServer;
  try {
    server = await startAgUiServer({
      host: address.host,
      port: address.port,
      log,
      readRef: (ref) => (sessionDir === undefined ? undefined : readBlob(sessionDir, ref)),
      ...(answers ? { answer: answerVia(answers) } : {}),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    const why = code === "EADDRINUSE" ? "the port is in use" : code === "EADDRNOTAVAIL" ? "no such address here" : (error as Error).message;
    throw new UsageError(`--ag-ui ${address.host}:${address.port}: cannot listen (${why})`);
  }
  const map = createLiveEventMapper();
  const tap: RowTap = (rows) => {
    try {
      for (const event of map.rows(rows)) server.push(event);
    } catch (error) {
      // A tap must never throw into the transcript writer; the transcript has the rows anyway.
      log.warn("ag-ui: could not map a row; the run goes on", { message: (error as Error)?.message ?? String(error) });
    }
  };
  return {
    url: server.url,
    tap,
    onContext: map.context,
    onStart: (dir) => void (sessionDir = dir),
    close: () => server.close(),
  };
}

/** An AG-UI resume entry as the answer a renderer would send: `resolved` answers with its payload, `cancelled` cancels. */
const answerVia =
  (answers: WireHuman) =>
  (entry: ResumeEntry, refuse: (reason: string) => void): void => {
    const base = { v: PROTOCOL_MAJOR, kind: "answer", promptId: entry.interruptId } as const;
    const frame = (entry.status === "cancelled" ? { ...base, cancelled: true } : { ...base, value: entry.payload }) as AnswerFrame;
    answers.answer(frame, (error) => refuse(error.message));
  };
