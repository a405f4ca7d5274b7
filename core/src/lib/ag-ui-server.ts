/**
 * A run as an AG-UI event stream over HTTP: each request (an AG-UI client POSTs its
 * `RunAgentInput`; GET works too, for curl) gets a server-sent event stream of the run, from its
 * RUN_STARTED (whenever the client connects) to its RUN_FINISHED or RUN_ERROR, encoded by
 * `@ag-ui/encoder`. The run does not take its input from the request; a request's `resume` entries
 * answer the run's open prompts when the server is given `answer` (AG-UI's interrupts, see
 * docs/integrations.md), and a refusal reaches that client as a CUSTOM event.
 *
 * A client that goes away mid-stream is dropped from the fan-out and nothing else happens: the run
 * never waits on a client, and a write to a closed connection is not an error of the run.
 * No CORS headers are sent: a page in a browser reaches the stream through its own server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BaseEvent, CustomEvent, EventType, ResumeEntry } from "@ag-ui/core";
import type { PublicEvent } from "@escapement/wire-schema";
import { silentLogger, type Logger } from "../runtime/logger.js";
import { AG_UI_ANSWER_REFUSED, createAgUiMapper, type AgUiMapperOptions } from "./ag-ui-events.js";

export interface AgUiServerOptions extends AgUiMapperOptions {
  /** Default 127.0.0.1 (loopback); anything else exposes the run to the network. */
  host?: string;
  /** Default 0: any free port (see `url`). */
  port?: number;
  log?: Logger;
  /** How long `close()` waits for slow clients to take the end of the stream before cutting them off (ms). Default 2000. */
  closeGraceMs?: number;
  /**
   * Takes the `resume` entries of a client's request (`RunAgentInput.resume`): each answers the
   * prompt whose id is its `interruptId` (`resolved` with `payload` as the answer, or
   * `cancelled`). `refuse` tells that client why an entry was not taken (no such open prompt, an
   * answer that does not fit); it may be called later, while the client still reads. Without it,
   * resume entries are read and dropped.
   */
  answer?: (entry: ResumeEntry, refuse: (reason: string) => void) => void;
}

/** The largest request body read for its resume entries; a larger one is streamed to all the same. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface AgUiServer {
  /** Where AG-UI clients connect, e.g. `http://127.0.0.1:4111/`. */
  readonly url: string;
  /** How many clients are reading the stream now. */
  readonly clients: number;
  /** Maps one public event and sends what it means to every client (and to later ones). */
  push(event: PublicEvent): void;
  /** Ends the stream: clients get what is left and the end of their response. Once a run has ended there is nothing more. */
  end(error?: unknown): void;
  /** Ends the stream, then stops the server once clients have taken it (at most `closeGraceMs` later). */
  close(): Promise<void>;
}

type Encode = (event: BaseEvent) => string;

/** Starts the HTTP server; feed it with `push` (the CLI taps transcript rows) or use `serveAgUi`. */
export async function startAgUiServer(options: AgUiServerOptions = {}): Promise<AgUiServer> {
  // Loaded on use: a run without AG-UI never pays for the encoder (and its protobuf schemas).
  const { EventEncoder } = await import("@ag-ui/encoder");
  const encoder = new EventEncoder();
  const encode: Encode = (event) => encoder.encodeSSE(event);
  const log = options.log ?? silentLogger;
  const map = createAgUiMapper(options.readRef ? { readRef: options.readRef } : {});
  /** Every frame sent so far: a client that connects late gets the run from its start. */
  const history: string[] = [];
  const clients = new Set<ServerResponse>();
  let ended = false;

  const send = (response: ServerResponse, frame: string): void => {
    if (response.destroyed || response.writableEnded) return void clients.delete(response);
    // Backpressure is the socket's: a slow client's frames queue in its stream, never in the run.
    response.write(frame);
  };

  const broadcast = (events: readonly BaseEvent[]): void => {
    for (const event of events) {
      const frame = encode(event);
      history.push(frame);
      for (const client of clients) send(client, frame);
    }
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method !== "POST" && request.method !== "GET") {
      response
        .writeHead(405, { Allow: "GET, POST", "Content-Type": "text/plain" })
        .end("AG-UI: POST a RunAgentInput (or GET) to read the run's event stream\n");
      return;
    }
    // The run's input is its own (chart input, --param); of the client's RunAgentInput only the resume entries count.
    request.on("error", () => undefined);
    response.on("error", (error) => log.debug("ag-ui client connection failed", { message: error.message }));
    response.on("close", () => clients.delete(response));
    response.writeHead(200, { "Content-Type": encoder.getContentType(), "Cache-Control": "no-cache", Connection: "keep-alive" });
    for (const frame of history) send(response, frame);
    if (ended) response.end();
    else clients.add(response);
    readBody(request, (body) => {
      if (!options.answer || ended) return;
      for (const entry of resumeEntries(body)) {
        const refuse = (reason: string): void => {
          const refused: CustomEvent = { type: "CUSTOM" as EventType.CUSTOM, name: AG_UI_ANSWER_REFUSED, value: { interruptId: entry.interruptId, reason } };
          send(response, encode(refused));
        };
        try {
          options.answer(entry, refuse);
        } catch (error) {
          refuse((error as Error)?.message ?? String(error));
        }
      }
    });
  };

  const server: Server = createServer(handle);
  server.on("clientError", (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  const end = (error?: unknown): void => {
    if (ended) return;
    // A run that failed before it started (bad options) has no run to finish: say why.
    if (error !== undefined && history.length === 0) {
      broadcast([{ type: "RUN_ERROR", message: error instanceof Error ? error.message : String(error) } as unknown as BaseEvent]);
    }
    ended = true;
    for (const client of clients) client.end();
    clients.clear();
  };

  return {
    url: `http://${host}:${address.port}/`,
    get clients() {
      return clients.size;
    },
    push: (event) => {
      if (ended) return;
      try {
        broadcast(map(event));
      } catch (error) {
        // A stream for observers is never worth a failed run.
        log.warn("ag-ui: could not map an event; the run goes on", { type: event.type, message: (error as Error)?.message ?? String(error) });
      }
    },
    end,
    close: async () => {
      end();
      const grace = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 2000);
      grace.unref();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      clearTimeout(grace);
    },
  };
}

/**
 * Serves a run's public events (`run(...).events()`, or `publicEventsOf(readTranscript(path))` for
 * a saved session) as an AG-UI stream. Resolves once the server listens; `done` resolves when the
 * events have ended (the stream is then complete; `close()` stops the server).
 */
export async function serveAgUi(events: AsyncIterable<PublicEvent>, options: AgUiServerOptions = {}): Promise<AgUiServer & { done: Promise<void> }> {
  const server = await startAgUiServer(options);
  const done = (async () => {
    try {
      for await (const event of events) server.push(event);
      server.end();
    } catch (error) {
      server.end(error);
    }
  })();
  return Object.assign(server, { done });
}

/** The request's body as text, up to `MAX_BODY_BYTES` (a larger one: nothing). */
function readBody(request: IncomingMessage, done: (body: string | undefined) => void): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  request.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  request.on("end", () => done(bytes <= MAX_BODY_BYTES ? Buffer.concat(chunks).toString("utf8") : undefined));
}

/** The well-formed `resume` entries of a RunAgentInput's JSON text; anything else is none. */
export function resumeEntries(body: string | undefined): ResumeEntry[] {
  if (!body) return [];
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return [];
  }
  const resume = (input as { resume?: unknown } | null)?.resume;
  if (!Array.isArray(resume)) return [];
  return resume.filter(
    (entry): entry is ResumeEntry =>
      typeof entry === "object" &&
      entry !== null &&
      typeof (entry as ResumeEntry).interruptId === "string" &&
      ((entry as ResumeEntry).status === "resolved" || (entry as ResumeEntry).status === "cancelled"),
  );
}
