/** `steer` frames over a real WebSocket: the capability, the handler's refusals, and a core without it. */
import { afterEach, describe, expect, it } from "vitest";
import { CAPABILITIES, MAX_STEER_CHARS, type HelloFrame, type SteerFrame } from "@escapement/wire-schema";
import { steerReply } from "../../src/cli/run-frontend.js";
import { SteerChannel } from "../../src/engine/index.js";
import type { RequestResult } from "../../src/wire/wire-connection.js";
import { connect, isKind, startLiveRun, wireScript, type Client, type LiveRun } from "./harness.js";

const runs: LiveRun[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const run of runs.splice(0)) {
    run.gate.control("quit");
    await run.done;
    await run.server.close();
  }
});

/** A run paused at its start, so its prompt stays open and nothing ends while frames go back and forth. */
const attached = async (options: Parameters<typeof startLiveRun>[0] = {}) => {
  const run = await startLiveRun({ startPaused: true, ...options });
  runs.push(run);
  const client = await connect(run.server.url);
  clients.push(client);
  client.attach(run.token);
  const hello = await client.waitFor<HelloFrame>(isKind("hello"));
  return { run, client, hello };
};

/** The host's side as the CLI gives it: takes messages for `writer`, refuses any other conversation. */
const host = () => {
  const taken: SteerFrame[] = [];
  const steer = (frame: SteerFrame): RequestResult => {
    if (frame.conversation !== "writer") {
      return {
        ok: false,
        error: { code: "invalid-steer", path: "/conversation", message: `/conversation: no live conversation "${frame.conversation}"; live: writer` },
      };
    }
    taken.push(frame);
    return { ok: true };
  };
  return { taken, steer };
};

describe("wire server: steer", () => {
  it("with a steer handler, hello announces steer and a valid frame reaches the handler with nothing sent back", async () => {
    const { taken, steer } = host();
    const { client, hello } = await attached({ steer });
    expect(hello.capabilities).toContain(CAPABILITIES.steer);
    client.send({ v: 1, kind: "steer", id: "st-1", conversation: "writer", text: "Keep it short." });
    // A ping after the steer: its heartbeat comes once the steer has been handled.
    client.send({ v: 1, kind: "ping", id: "after" });
    await client.waitFor(isKind("heartbeat", (frame) => frame.inReplyTo === "after"));
    expect(taken).toEqual([expect.objectContaining({ conversation: "writer", text: "Keep it short." })]);
    expect(client.frames.filter(isKind("error"))).toEqual([]);
  });

  it("a refusal from the handler is an error frame in reply to the steer; the connection stays", async () => {
    const { taken, steer } = host();
    const { client } = await attached({ steer });
    client.send({ v: 1, kind: "steer", id: "st-2", conversation: "reviewer", text: "Be kind." });
    const error = await client.waitFor(isKind("error", (frame) => frame.inReplyTo === "st-2"));
    expect(error).toMatchObject({ code: "invalid-steer", path: "/conversation", fatal: false, message: expect.stringContaining("live: writer") });
    expect(taken).toEqual([]);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });

  it("an empty or oversized text is invalid-frame and never reaches the handler", async () => {
    const { taken, steer } = host();
    const { client } = await attached({ steer });
    client.send({ v: 1, kind: "steer", id: "empty", conversation: "writer", text: "" });
    client.send({ v: 1, kind: "steer", id: "long", conversation: "writer", text: "x".repeat(MAX_STEER_CHARS + 1) });
    expect(await client.waitFor(isKind("error", (frame) => frame.inReplyTo === "empty"))).toMatchObject({ code: "invalid-frame", path: "/text", fatal: false });
    expect(await client.waitFor(isKind("error", (frame) => frame.inReplyTo === "long"))).toMatchObject({ code: "invalid-frame", path: "/text", fatal: false });
    expect(taken).toEqual([]);
  });

  it("without a steer handler, hello has no steer capability and a steer frame gets not-supported", async () => {
    const { client, hello } = await attached();
    expect(hello.capabilities).not.toContain(CAPABILITIES.steer);
    client.send({ v: 1, kind: "steer", id: "st-3", conversation: "writer", text: "Hello?" });
    const error = await client.waitFor(isKind("error", (frame) => frame.inReplyTo === "st-3"));
    expect(error).toMatchObject({ code: "not-supported", path: "/kind", fatal: false, message: expect.stringContaining("no steer capability") });
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });
});

describe("wire server: steer into a real run (the CLI's wiring)", () => {
  it("a message for a live conversation is queued and given to the model at its next step; one for no live conversation, or after the run, is invalid-steer", async () => {
    const steering = new SteerChannel();
    // Slow deltas: the message arrives while the first turn still streams.
    const { run, client } = await attached({
      startPaused: false,
      steering,
      script: wireScript(150),
      steer: (frame) => steerReply(steering.steer(frame.conversation, frame.text, "renderer")),
    });
    // Before the conversation starts (the name prompt is open) there is no such conversation.
    await client.waitFor(isKind("prompt"));
    client.send({ v: 1, kind: "steer", id: "early", conversation: "writer", text: "Too soon." });
    expect(await client.waitFor(isKind("error", (frame) => frame.inReplyTo === "early"))).toMatchObject({
      code: "invalid-steer",
      path: "/conversation",
      fatal: false,
    });
    // The closing confirm is answered when it comes, so the run ends.
    client.ws.on("message", (bytes) => {
      const frame = JSON.parse(bytes.toString()) as { kind: string; prompt?: { promptId: string; kind: string } };
      if (frame.kind === "prompt" && frame.prompt?.kind === "confirm") client.send({ v: 1, kind: "answer", promptId: frame.prompt.promptId, value: true });
    });
    client.send({ v: 1, kind: "answer", promptId: "name", value: "Ada" });
    await client.waitFor(isKind("event", (frame) => frame.row.event === "llm/delta"));
    client.send({ v: 1, kind: "steer", id: "st-9", conversation: "writer", text: "Keep it short." });
    const queued = await client.waitFor(isKind("event", (frame) => frame.row.event === "llm/steer-queued"));
    expect(queued.kind === "event" && queued.row.data).toMatchObject({ invokeId: "writer", from: "renderer", snippet: "Keep it short." });
    const injected = await client.waitFor(isKind("event", (frame) => frame.row.event === "llm/steer-injected"));
    expect(injected.kind === "event" && injected.row.data).toMatchObject({ invokeId: "writer", turn: 2 });
    expect(client.frames.filter(isKind("error", (frame) => frame.inReplyTo === "st-9"))).toEqual([]);

    await client.waitFor(isKind("run-finished"));
    expect((await run.done).status).toBe("done");
    client.send({ v: 1, kind: "steer", id: "late", conversation: "writer", text: "Anyone?" });
    expect(await client.waitFor(isKind("error", (frame) => frame.inReplyTo === "late"))).toMatchObject({ code: "invalid-steer", fatal: false });
  });
});
