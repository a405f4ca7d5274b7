/**
 * docs/wire.md against a live server: every renderer -> core example the document shows, sent as
 * it is, gets the answer the document promises; every code of its closing table is provoked and
 * seen; and the transport edges (binary, invalid UTF-8, sizes) behave as written.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setup } from "xstate";
import { afterEach, describe, expect, it } from "vitest";
import {
  CLOSE_CODES,
  INBOUND_KINDS,
  MAX_INBOUND_FRAME_BYTES,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  type HelloFrame,
  type OutboundFrame,
  type SnapshotFrame,
} from "@escapement/wire-schema";
import { askHuman, inlineActors } from "../../src/chart/index.js";
import { DebugGate } from "../../src/debug/index.js";
import { defineChart, runChart } from "../../src/engine/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { sequentialIds, type TranscriptRow } from "../../src/runtime/index.js";
import { WireHub, WireHuman, WireServer, type WireServerOptions } from "../../src/wire/index.js";
import { tempDir } from "../chart/helpers.js";
import { repo } from "../examples/harness.js";
import { connect, isKind, type Client } from "./harness.js";

const doc = readFileSync(join(repo, "docs/wire.md"), "utf8");
const jsonExamples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1]!) as Record<string, unknown> & { kind?: string });
const inboundKinds: ReadonlySet<string> = new Set(INBOUND_KINDS);
/** What a renderer may send, as the document shows it, in the document's order. */
const rendererExamples = jsonExamples.filter((example) => inboundKinds.has(String(example.kind)));
const attachExample = rendererExamples.find((example) => example.kind === "attach")!;

/** The codes of the table in "## Closing". */
const closingCodes = (() => {
  const section = doc.slice(doc.indexOf("## Closing"), doc.indexOf("\n## ", doc.indexOf("## Closing") + 1));
  return [...section.matchAll(/^\| (\d{4}) \|/gm)].map((match) => Number(match[1]));
})();

const servers: WireServer[] = [];
const clients: Client[] = [];
const ends: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const server of servers.splice(0)) await server.close(CLOSE_CODES.goingAway, "test over", 0);
  for (const end of ends.splice(0)) await end();
});

/** The document's own run: release notes waiting for "Publish these release notes?" (p-1), the debugger armed. */
const releaseNotes = defineChart({
  id: "release-notes",
  machine: setup({ actors: inlineActors }).createMachine({
    id: "release-notes",
    initial: "approve",
    states: {
      approve: {
        invoke: {
          ...askHuman({
            id: "p-1",
            kind: "select",
            message: "Publish these release notes?",
            options: [
              { value: "publish", label: "Publish" },
              { value: "revise", label: "Send back" },
            ],
            default: "publish",
          }),
          onDone: "published",
        },
      },
      published: { type: "final" },
    },
  }),
});

const liveDocRun = async () => {
  const sessionDir = join(tempDir("escapement-wire-doc-"), "session");
  const hub = new WireHub({ transcriptPath: join(sessionDir, "transcript.jsonl") });
  const human = new WireHuman();
  const gate = new DebugGate({ startPaused: true });
  // The document's token, so its attach example is sent exactly as printed.
  const server = await WireServer.start({ hub, human, gate, token: String(attachExample.token), blobs: { sessionDir: () => sessionDir } });
  servers.push(server);
  const done = runChart({ chart: releaseNotes, model: scriptedModel([]), human, debug: gate, sessionDir, ids: sequentialIds(), taps: [hub.ingest] }).finally(
    () => human.close(),
  );
  ends.push(() => {
    gate.control("quit");
    return done;
  });
  return server;
};

/** A server with a run's first row, for the connection's edges alone. */
const bare = async (options: Partial<WireServerOptions> = {}) => {
  const hub = new WireHub();
  const started: TranscriptRow = { seq: 1, ts: 1, event: "runner/started", data: { sessionId: "s", runId: "r", chartId: "c", resumed: false } };
  hub.ingest([started]);
  const server = await WireServer.start({ hub, token: "t", ...options });
  servers.push(server);
  return { server, hub };
};

const open = async (server: WireServer): Promise<Client> => {
  const client = await connect(server.url);
  clients.push(client);
  return client;
};

const attached = async (server: WireServer): Promise<Client> => {
  const client = await open(server);
  client.attach("t");
  await client.waitFor(isKind("hello"));
  return client;
};

const replyTo = (id: unknown) => (frame: OutboundFrame) => "inReplyTo" in frame && frame.inReplyTo === id;

describe("docs/wire.md's renderer -> core examples, sent to a live run", () => {
  it("shows one of every renderer -> core kind", () => {
    expect(new Set(rendererExamples.map((example) => example.kind))).toEqual(inboundKinds);
  });

  it("each gets the answer the document gives it", async () => {
    const server = await liveDocRun();
    const client = await open(server);
    let hello: HelloFrame | undefined;
    let from = 0;
    /** The next frame after those already checked that matches. */
    const next = async <F extends OutboundFrame>(match: (frame: OutboundFrame) => boolean): Promise<F> => {
      const frame = await client.waitFor<F>(match, 10_000, from);
      from = client.frames.indexOf(frame) + 1;
      return frame;
    };
    const error = (code: string, id: unknown) => next(isKind("error", (frame) => frame.code === code && frame.inReplyTo === id && !frame.fatal));
    const capable = (capability: string) => hello!.capabilities.includes(capability);
    const answered = new Set<string>();

    for (const example of rendererExamples) {
      client.send(example);
      switch (example.kind) {
        case "attach": {
          // hello, then the frames after `since`, or (a since ahead of the run) a snapshot as of the run's last seq.
          hello = await next<HelloFrame>(isKind("hello"));
          expect(hello.protocol).toEqual({ name: PROTOCOL_NAME, version: PROTOCOL_VERSION });
          expect(hello.seq).toBeLessThanOrEqual(Number(example.since));
          const snapshot = await next<SnapshotFrame>(isKind("snapshot", (frame) => frame.prompts.some((prompt) => prompt.promptId === "p-1")));
          expect(snapshot.seq).toBe(hello.seq);
          break;
        }
        case "answer": {
          const promptId = String(example.promptId);
          if (answered.has(promptId)) {
            // "The first valid answer wins; later ones get unknown-prompt."
            await error("unknown-prompt", example.id);
          } else {
            answered.add(promptId);
            const closed = await next(isKind("prompt-closed", (frame) => frame.promptId === promptId));
            expect(closed).toMatchObject(example.cancelled ? { outcome: "cancelled" } : { outcome: "answered", value: example.value });
          }
          break;
        }
        case "control": {
          // Armed, the answer's arrival paused the run: a step lets n events through, then the debug frame says so.
          await client.waitFor(isKind("debug", (frame) => frame.paused));
          await next(isKind("debug", (frame) => frame.mode === example.action && frame.stepBudget === example.n && !frame.paused));
          break;
        }
        case "seek":
          await error(capable("playback") ? "invalid-seek" : "not-supported", example.id);
          break;
        case "steer":
          // A live conversation "draft" there is not: refused either way, never silence.
          await error(capable("steer") ? "invalid-steer" : "not-supported", example.id);
          break;
        case "read-blob":
          if (capable("blobs")) await next((frame) => replyTo(example.id)(frame) && (frame.kind === "blob" || frame.kind === "error"));
          else await error("not-supported", example.id);
          break;
        case "ping":
          await next(isKind("heartbeat", (frame) => frame.inReplyTo === example.id));
          break;
        default:
          throw new Error(`no documented answer checked for ${example.kind}`);
      }
    }
    expect(client.invalid).toEqual([]);
    // The step let the held answer through: the run ends as the document says.
    await client.waitFor(isKind("run-finished", (frame) => frame.status === "done"));
  });
});

/** Each closing code of the table, provoked: the error frame that comes first (if any), then the close. */
const provoke: Record<number, () => Promise<{ code: number; errors: string[] }>> = {
  [CLOSE_CODES.normal]: async () => {
    const { server } = await bare();
    const client = await attached(server);
    void server.close(CLOSE_CODES.normal);
    return outcome(client);
  },
  [CLOSE_CODES.goingAway]: async () => {
    const { server } = await bare();
    const client = await attached(server);
    void server.close(CLOSE_CODES.goingAway);
    return outcome(client);
  },
  [CLOSE_CODES.messageTooBig]: async () => {
    const { server } = await bare();
    const client = await attached(server);
    client.sendRaw(Buffer.alloc(MAX_INBOUND_FRAME_BYTES * 4 + 1, 0x20).toString());
    return outcome(client);
  },
  [CLOSE_CODES.unauthorized]: async () => {
    const { server } = await bare();
    const client = await open(server);
    client.attach("not-the-token");
    return outcome(client);
  },
  [CLOSE_CODES.unsupportedVersion]: async () => {
    const { server } = await bare();
    const client = await open(server);
    client.send({ v: 2, kind: "attach", token: "t", protocol: { name: PROTOCOL_NAME, version: "2.0.0" } });
    return outcome(client);
  },
  [CLOSE_CODES.handshakeTimeout]: async () => {
    const { server } = await bare({ handshakeTimeoutMs: 50 });
    return outcome(await open(server));
  },
  [CLOSE_CODES.protocolError]: async () => {
    const { server } = await bare();
    const client = await open(server);
    client.send({ v: 1, kind: "ping" });
    return outcome(client);
  },
  [CLOSE_CODES.heartbeatTimeout]: async () => {
    // The harness pings every 400 ms; this server gives up after 3 x 40 ms of silence.
    const { server } = await bare({ heartbeatMs: 40 });
    return outcome(await attached(server));
  },
  [CLOSE_CODES.tooSlow]: async () => {
    const { server, hub } = await bare({ highWaterBytes: 1024, maxQueuedFrames: 50, slowTimeoutMs: 50 });
    const client = await attached(server);
    const socket = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const rows: TranscriptRow[] = [];
    for (let seq = 2; seq < 20_002; seq++)
      rows.push({ seq, ts: seq, event: "artifact/captured", data: { name: `a${seq}`, ref: `artifacts/a${seq}`, bytes: 1, snippet: "y".repeat(60) } });
    hub.ingest(rows);
    const deadline = Date.now() + 10_000;
    while (server.connectionCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    socket.resume();
    return outcome(client);
  },
};

async function outcome(client: Client): Promise<{ code: number; errors: string[] }> {
  const { code } = await client.closed;
  return { code, errors: client.frames.filter(isKind("error", (frame) => frame.fatal)).map((frame) => (frame as { code: string }).code) };
}

/** The fatal error frame each code comes after; 1000, 1001 and 1009 come with none. */
const fatalBefore: Record<number, string[]> = {
  [CLOSE_CODES.normal]: [],
  [CLOSE_CODES.goingAway]: [],
  [CLOSE_CODES.messageTooBig]: [],
  [CLOSE_CODES.unauthorized]: ["unauthorized"],
  [CLOSE_CODES.unsupportedVersion]: ["unsupported-version"],
  [CLOSE_CODES.handshakeTimeout]: ["handshake-timeout"],
  [CLOSE_CODES.protocolError]: ["not-attached"],
  [CLOSE_CODES.heartbeatTimeout]: ["heartbeat-timeout"],
  [CLOSE_CODES.tooSlow]: ["too-slow"],
};

describe("docs/wire.md's closing table, against a live server", () => {
  it("lists every close code the core uses", () => {
    expect([...closingCodes].sort()).toEqual(Object.values(CLOSE_CODES).sort());
  });

  it.each(closingCodes)("%i is what the core closes with, after the error frame the table implies", async (code) => {
    const provoker = provoke[code];
    expect(provoker, `no way to provoke ${code}`).toBeDefined();
    await expect(provoker!()).resolves.toEqual({ code, errors: fatalBefore[code] });
  });
});

describe("transport edges, as docs/wire.md has them", () => {
  it("a text message with invalid UTF-8 gets malformed-json, not a close; the connection goes on", async () => {
    const { server } = await bare();
    const client = await attached(server);
    client.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    await expect(client.waitFor(isKind("error"))).resolves.toMatchObject({
      code: "malformed-json",
      path: "",
      fatal: false,
      message: expect.stringMatching(/UTF-8/),
    });
    client.send({ v: 1, kind: "ping", id: "after" });
    await client.waitFor(isKind("heartbeat", (frame) => frame.inReplyTo === "after"));
  });

  it("a binary message is refused unread with invalid-frame, even when it holds a valid frame", async () => {
    const { server } = await bare();
    const client = await attached(server);
    client.ws.send(Buffer.from(JSON.stringify({ v: 1, kind: "ping", id: "binary" })), { binary: true });
    await expect(client.waitFor(isKind("error"))).resolves.toMatchObject({ code: "invalid-frame", path: "", fatal: false });
    expect(client.frames.some(isKind("heartbeat", (frame) => frame.inReplyTo === "binary"))).toBe(false);
    client.send({ v: 1, kind: "ping", id: "after" });
    await client.waitFor(isKind("heartbeat", (frame) => frame.inReplyTo === "after"));
  });

  it("a binary message before attach is fatal: 4004", async () => {
    const { server } = await bare();
    const client = await open(server);
    client.ws.send(Buffer.from(JSON.stringify({ v: 1, kind: "attach", token: "t", protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION } })), {
      binary: true,
    });
    expect((await client.closed).code).toBe(CLOSE_CODES.protocolError);
    expect(client.frames).toEqual([expect.objectContaining({ kind: "error", code: "invalid-frame", fatal: true })]);
  });

  it("above the limit and up to 4x it: too-large, the connection stays", async () => {
    const { server } = await bare();
    const client = await attached(server);
    client.sendRaw(JSON.stringify({ v: 1, kind: "ping", id: "big", pad: "x".repeat(MAX_INBOUND_FRAME_BYTES) }));
    await expect(client.waitFor(isKind("error"))).resolves.toMatchObject({ code: "too-large", fatal: false });
    client.send({ v: 1, kind: "ping", id: "after" });
    await client.waitFor(isKind("heartbeat", (frame) => frame.inReplyTo === "after"));
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
  ])("a %s token makes the attach invalid: invalid-frame at /token, then 4004", async (_what, token) => {
    const { server } = await bare();
    const client = await open(server);
    client.send({ v: 1, kind: "attach", ...(token === undefined ? {} : { token }), protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION } });
    expect((await client.closed).code).toBe(CLOSE_CODES.protocolError);
    expect(client.frames).toEqual([expect.objectContaining({ kind: "error", code: "invalid-frame", path: "/token", fatal: true })]);
  });
});
