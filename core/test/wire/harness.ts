import { join } from "node:path";
import { WebSocket } from "ws";
import { setup, assign } from "xstate";
import { z } from "zod";
import { PROTOCOL_MAJOR, PROTOCOL_NAME, PROTOCOL_VERSION, decodeOutbound, isStreamFrame, type OutboundFrame, type StreamFrame } from "@escapement/wire-schema";
import { askHuman, converse, inlineActors } from "../../src/chart/index.js";
import { defineChart, runChart, type RunResult, type SteerChannel } from "../../src/engine/index.js";
import { DebugGate } from "../../src/debug/index.js";
import { scriptedModel, type Script } from "../../src/llm/index.js";
import { sequentialIds } from "../../src/runtime/index.js";
import { WireHub, WireHuman, WireServer, type WireServerOptions } from "../../src/wire/index.js";
import { tempDir } from "../chart/helpers.js";

/** Ask a name, a conversation of two streamed turns (one event tool call), then a confirm. */
export const wireChart = defineChart({
  id: "wire-fixture",
  machine: setup({ actors: inlineActors, types: { context: {} as { name?: string; notes: number } } }).createMachine({
    id: "wire-fixture",
    context: { notes: 0 },
    initial: "name",
    on: { "human.cancelled": ".cancelled" },
    states: {
      name: {
        invoke: {
          ...askHuman({ id: "name", kind: "text", message: "Who?" }),
          onDone: { target: "writing", actions: assign({ name: ({ event }) => String(event.output) }) },
        },
      },
      writing: {
        invoke: converse({
          id: "writer",
          message: ({ context }) => `Write for ${context.name}.`,
          realTools: [],
          allowedEvents: { note: { schema: z.object({ text: z.string() }), description: "a note" } },
        }),
        on: { note: { actions: assign({ notes: ({ context }) => context.notes + 1 }) }, "llm.idle": "approve" },
      },
      approve: {
        invoke: { ...askHuman({ id: "approve", kind: "confirm", message: "Send?" }), onDone: "done" },
      },
      done: { type: "final" },
      cancelled: { type: "final" },
    },
  }),
});

export const wireScript = (delayMs = 20): Script => [
  {
    deltas: [
      { text: "Thinking ", afterMs: delayMs },
      { text: "about ", afterMs: delayMs },
      { text: "it.", afterMs: delayMs },
    ],
    events: [{ name: "note", payload: { text: "n1" } }],
  },
  {
    deltas: [
      { text: "Hello ", afterMs: delayMs },
      { text: "Ada", afterMs: delayMs },
      { text: "!", afterMs: delayMs },
    ],
  },
];

export interface LiveRun {
  server: WireServer;
  hub: WireHub;
  human: WireHuman;
  gate: DebugGate;
  sessionDir: string;
  token: string;
  done: Promise<RunResult>;
}

/** A real run of `wireChart` with its wire server (the CLI's wiring, in-process). */
export async function startLiveRun(
  options: Partial<WireServerOptions> & { script?: Script; startPaused?: boolean; steering?: SteerChannel; serveBlobs?: boolean } = {},
): Promise<LiveRun> {
  const sessionDir = join(tempDir("escapement-wire-"), "session");
  const { script, startPaused, steering, serveBlobs, ...serverOptions } = options;
  const hub = new WireHub({ transcriptPath: join(sessionDir, "transcript.jsonl"), ...(serverOptions.hub ? {} : {}) });
  const human = new WireHuman();
  const gate = new DebugGate({ startPaused: startPaused ?? false });
  const token = "test-token-1";
  const blobs = serveBlobs ? { blobs: { sessionDir: () => sessionDir } } : {};
  const server = await WireServer.start({ hub, human, gate, token, heartbeatMs: 1000, ...blobs, ...serverOptions });
  const done = runChart({
    chart: wireChart,
    model: scriptedModel(script ?? wireScript()),
    human,
    debug: gate,
    sessionDir,
    ids: sequentialIds(),
    taps: [hub.ingest],
    ...(steering ? { steering } : {}),
  }).then((result) => {
    human.close();
    return result;
  });
  return { server, hub, human, gate, sessionDir, token, done };
}

export interface Client {
  ws: WebSocket;
  /** Every valid frame received, in order. */
  frames: OutboundFrame[];
  invalid: string[];
  send(frame: unknown): void;
  sendRaw(text: string | Buffer): void;
  attach(token: string, since?: number, extra?: Record<string, unknown>): void;
  /** Resolves with the first frame (from the start of the connection) matching, or rejects after `ms`. */
  waitFor<F extends OutboundFrame = OutboundFrame>(match: (frame: OutboundFrame) => boolean, ms?: number, from?: number): Promise<F>;
  closed: Promise<{ code: number; reason: string }>;
  stream(): StreamFrame[];
  close(): void;
}

export function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url, { maxPayload: 4 * 1024 * 1024 });
  const frames: OutboundFrame[] = [];
  const invalid: string[] = [];
  const waiters = new Set<() => void>();
  ws.on("message", (data) => {
    const decoded = decodeOutbound(data.toString());
    if (decoded.ok) frames.push(decoded.frame);
    else invalid.push(decoded.error.message);
    for (const waiter of [...waiters]) waiter();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const waiter of [...waiters]) waiter();
    }),
  );
  const client: Client = {
    ws,
    frames,
    invalid,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendRaw: (text) => ws.send(text),
    attach: (token, since, extra = {}) =>
      client.send({
        v: PROTOCOL_MAJOR,
        kind: "attach",
        token,
        protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION },
        ...(since === undefined ? {} : { since }),
        ...extra,
      }),
    waitFor: (match, ms = 10_000, from = 0) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.slice(from).find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found as never);
          } else if (ws.readyState === ws.CLOSED) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`socket closed before the frame came; got ${frames.map((f) => f.kind).join(",")}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such frame within ${ms} ms; got ${frames.map((f) => `${f.kind}${"seq" in f ? f.seq : ""}`).join(",")}`));
        }, ms);
        waiters.add(check);
        check();
      }),
    stream: () => frames.filter(isStreamFrame),
    close: () => ws.close(1000),
  };
  // Like a real renderer: ping when idle, so the core's heartbeat timeout never fires in a long test.
  const pinger = setInterval(() => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ v: 1, kind: "ping" })), 400);
  ws.on("close", () => clearInterval(pinger));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("error", reject);
  });
}

/** Stream frames are gap-free after `start`: (coalescedFrom ?? seq) === last + 1. */
export const gaps = (frames: readonly OutboundFrame[], start = 0): string[] => {
  const problems: string[] = [];
  let last = start;
  for (const frame of frames) {
    if (frame.kind === "snapshot") {
      last = frame.seq;
      continue;
    }
    if (!isStreamFrame(frame)) continue;
    const first = frame.kind === "event" ? (frame.coalescedFrom ?? frame.seq) : frame.seq;
    if (first !== last + 1) problems.push(`after ${last} came ${first} (${frame.kind})`);
    last = frame.seq;
  }
  return problems;
};

export const isKind =
  <K extends OutboundFrame["kind"]>(kind: K, where: (frame: Extract<OutboundFrame, { kind: K }>) => boolean = () => true) =>
  (frame: OutboundFrame): boolean =>
    frame.kind === kind && where(frame as Extract<OutboundFrame, { kind: K }>);
