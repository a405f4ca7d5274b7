import { afterEach, describe, expect, test } from "bun:test";
import { PROTOCOL_VERSION, type OutboundFrame, type StreamFrame } from "@escapement/wire-schema";
import type { ConnectionStatus } from "../../src/transport/connection-status.ts";
import { connectWs, type WsClient } from "../../src/transport/ws-client.ts";
import { data, scriptedRun } from "../support/frames.ts";
import { fakeTimers } from "./fake-timers.ts";
import { startWireServer, until, type TestWireServer } from "../support/wire-server.ts";

const fast = { initialMs: 20, maxMs: 100, factor: 2 };
let server: TestWireServer | undefined;
let client: WsClient | undefined;

afterEach(() => {
  client?.close();
  server?.stop();
  client = undefined;
  server = undefined;
});

const streamOf = (frames: OutboundFrame[]): StreamFrame[] => frames.filter((f): f is StreamFrame => f.kind !== "hello");

const connect = (srv: TestWireServer, token = "secret", maxAttempts?: number) => {
  const frames: OutboundFrame[] = [];
  const statuses: ConnectionStatus[] = [];
  const skipped: string[] = [];
  client = connectWs({
    url: srv.url,
    token,
    backoff: fast,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    onFrame: (f) => frames.push(f),
    onStatus: (s) => statuses.push(s),
    onSkipped: (s) => skipped.push(s.code),
  });
  return { client, frames, statuses, skipped };
};

describe("ws client", () => {
  test("attaches with the token and protocol, then delivers frames", async () => {
    server = startWireServer({ token: "secret" });
    const run = scriptedRun();
    server.push(streamOf(run.row("llm/request", data.request("a", 1))));
    const c = connect(server);
    await until(() => c.frames.length === 2, 3_000, "hello and one event");
    expect(server.attaches[0]).toMatchObject({
      kind: "attach",
      token: "secret",
      protocol: { name: "escapement-wire", version: PROTOCOL_VERSION },
      since: 0,
      client: { name: "escapement-tui" },
    });
    expect(c.frames.map((f) => f.kind)).toEqual(["hello", "event"]);
    expect(c.client.status).toEqual({ state: "connected" });
    expect(c.statuses[0]).toEqual({ state: "connected" });
    expect(c.client.lastSeq).toBe(1);
  });

  test("reconnects after a drop and resumes from the last seq, so no frame repeats", async () => {
    server = startWireServer({ token: "secret" });
    const run = scriptedRun();
    server.push(streamOf(run.row("llm/request", data.request("a", 1))));
    const c = connect(server);
    await until(() => c.client.lastSeq === 1, 3_000, "first frame");
    server.drop();
    // Frames produced while the renderer was away arrive on resume.
    server.push(streamOf(run.row("llm/delta", data.delta("a", 1, "hi"))));
    await until(() => c.client.lastSeq === 2, 3_000, "resumed frame");
    expect(server.attaches.map((a) => a.since)).toEqual([0, 1]);
    expect(c.statuses.map((s) => s.state)).toEqual(["connected", "reconnecting", "connected"]);
    const events = c.frames.filter((f) => f.kind === "event").map((f) => f.seq);
    expect(events).toEqual([1, 2]);
  });

  test("sends answers and control frames the core accepts", async () => {
    server = startWireServer({ token: "secret" });
    const c = connect(server);
    await until(() => c.client.status.state === "connected", 3_000, "connected");
    expect(c.client.answer("p-1", "publish")).toBe(true);
    expect(c.client.cancelPrompt("p-2")).toBe(true);
    expect(c.client.control("step", 2)).toBe(true);
    expect(c.client.control("interrupt")).toBe(true);
    expect(c.client.answer("p-3", ["a"], "ans-3")).toBe(true);
    expect(c.client.cancelPrompt("p-4", "ans-4")).toBe(true);
    await until(() => server!.received.length === 7, 3_000, "six frames after attach");
    expect(server.received.slice(1)).toEqual([
      { v: 1, kind: "answer", promptId: "p-1", value: "publish" },
      { v: 1, kind: "answer", promptId: "p-2", cancelled: true },
      { v: 1, kind: "control", action: "step", n: 2 },
      { v: 1, kind: "control", action: "interrupt" },
      { v: 1, kind: "answer", id: "ans-3", promptId: "p-3", value: ["a"] },
      { v: 1, kind: "answer", id: "ans-4", promptId: "p-4", cancelled: true },
    ]);
  });

  test("sends a message for a conversation as a steer frame, with the id an error would echo", async () => {
    server = startWireServer({ token: "secret" });
    const c = connect(server);
    await until(() => c.client.status.state === "connected", 3_000, "connected");
    expect(c.client.steer("draft", "Keep it under 100 words.", "steer-1")).toBe(true);
    expect(c.client.steer("review", "Be kind.")).toBe(true);
    await until(() => server!.received.length === 3, 3_000, "two frames after attach");
    expect(server.received.slice(1)).toEqual([
      { v: 1, kind: "steer", id: "steer-1", conversation: "draft", text: "Keep it under 100 words." },
      { v: 1, kind: "steer", conversation: "review", text: "Be kind." },
    ]);
    c.client.close();
    // Nothing is queued while not connected: the user is told instead.
    expect(c.client.steer("draft", "Too late.", "steer-2")).toBe(false);
  });

  test("skips and counts messages that are not valid frames", async () => {
    server = startWireServer({ token: "secret" });
    const c = connect(server);
    await until(() => c.client.status.state === "connected", 3_000, "connected");
    server.sendRaw("{nope");
    server.sendRaw(JSON.stringify({ v: 1, kind: "event", seq: 1, row: { seq: 1 } }));
    server.sendRaw(JSON.stringify({ v: 1, kind: "brand-new-kind", seq: 0 }));
    server.push(streamOf(scriptedRun().row("debug/resumed", {})));
    await until(() => c.client.lastSeq >= 1, 3_000, "a valid frame after the bad ones");
    expect(c.skipped).toEqual(["malformed-json", "invalid-frame", "unknown-kind"]);
  });

  test("stops for good on a bad token", async () => {
    server = startWireServer({ token: "secret" });
    const c = connect(server, "wrong");
    await until(() => c.client.status.state === "closed", 3_000, "closed");
    expect(c.client.status).toMatchObject({ state: "closed", reason: "unauthorized (4001)" });
    expect(c.frames.map((f) => f.kind)).toEqual(["error"]);
    await Bun.sleep(60);
    expect(server.attaches).toHaveLength(1);
  });

  test("reports reconnecting while the server is down, then closed after maxAttempts", async () => {
    server = startWireServer({ token: "secret" });
    const url = server.url;
    server.stop();
    server = undefined;
    const statuses: ConnectionStatus[] = [];
    client = connectWs({ url, token: "t", backoff: fast, maxAttempts: 2, onFrame: () => {}, onStatus: (s) => statuses.push(s) });
    await until(() => client!.status.state === "closed", 3_000, "giving up");
    expect(statuses.map((s) => s.state)).toEqual(["reconnecting", "reconnecting", "closed"]);
    expect(statuses[1]).toMatchObject({ attempt: 2, retryInMs: 40 });
  });

  test("pings at the heartbeat interval and resumes when the core falls silent", async () => {
    // This server never sends heartbeats, so after three intervals the client gives up on the socket.
    server = startWireServer({ token: "secret", heartbeatMs: 30 });
    const c = connect(server);
    await until(() => server!.attaches.length >= 2, 3_000, "a second attach");
    expect(server.received.some((f) => f.kind === "ping")).toBe(true);
    // Two silent intervals: not responding; the third: the socket is dropped and resumed.
    expect(c.statuses.map((s) => s.state).slice(0, 3)).toEqual(["connected", "not-responding", "reconnecting"]);
  });

  test("close() ends the connection without reconnecting", async () => {
    server = startWireServer({ token: "secret" });
    const c = connect(server);
    await until(() => c.client.status.state === "connected", 3_000, "connected");
    c.client.close();
    expect(c.client.status).toEqual({ state: "closed", reason: "closed by renderer" });
    expect(c.client.control("pause")).toBe(false);
    await Bun.sleep(60);
    expect(server.attaches).toHaveLength(1);
  });

  describe("liveness, on a clock the test moves", () => {
    const connectTimed = (url: string) => {
      const timers = fakeTimers();
      const frames: OutboundFrame[] = [];
      const statuses: ConnectionStatus[] = [];
      client = connectWs({ url, token: "secret", timers, onFrame: (f) => frames.push(f), onStatus: (s) => statuses.push(s) });
      return { client, timers, frames, statuses };
    };

    test("not responding after two silent heartbeat intervals, the run's frames bring it back, three drop the socket", async () => {
      server = startWireServer({ token: "secret", heartbeatMs: 1_000 });
      const c = connectTimed(server.url);
      await until(() => c.client.status.state === "connected", 3_000, "connected");
      const helloAt = c.timers.now();
      c.timers.advance(1_999);
      expect(c.client.status.state).toBe("connected");
      c.timers.advance(1);
      // The run's clock stands still from here (stalledAt).
      expect(c.client.status).toEqual({ state: "not-responding", lastFrameAt: helloAt, stalledAt: helloAt + 2_000 });
      // The core speaks again: any frame will do.
      server.push(streamOf(scriptedRun().row("debug/resumed", {})));
      await until(() => c.client.status.state === "connected", 3_000, "connected again");
      const frameAt = c.timers.now();
      c.timers.advance(3_000);
      expect(c.statuses.map((s) => s.state)).toEqual(["connected", "not-responding", "connected", "not-responding", "reconnecting"]);
      // Stalled since it stopped responding, not since the socket was dropped.
      expect(c.client.status).toMatchObject({ state: "reconnecting", attempt: 1, reason: "heartbeat timeout (4008)", stalledAt: frameAt + 2_000 });
      // The client pinged while it waited.
      expect(server.received.some((f) => f.kind === "ping")).toBe(true);
    });

    test("no answer when the handshake gets no hello: a core that accepts the connection and says nothing", async () => {
      // A listener that accepts and never answers, like a stopped process whose kernel still accepts.
      let upgradeAsked = false;
      const mute = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: () => void (upgradeAsked = true) } });
      try {
        const c = connectTimed(`ws://127.0.0.1:${mute.port}`);
        const openedAt = c.timers.now();
        await until(() => upgradeAsked, 3_000, "the upgrade request");
        c.timers.advance(4_999);
        expect(c.client.status.state).toBe("connecting");
        c.timers.advance(1);
        expect(c.client.status).toEqual({ state: "no-answer", since: openedAt });
        // It keeps waiting: a stopped core may go on.
        c.timers.advance(60_000);
        expect(c.client.status.state).toBe("no-answer");
      } finally {
        mute.stop(true);
      }
    });

    test("a lost connection not back within the reconnect window ends as gone", async () => {
      server = startWireServer({ token: "secret" });
      const c = connectTimed(server.url);
      await until(() => c.client.status.state === "connected", 3_000, "connected");
      server.stop();
      server = undefined;
      await until(() => c.client.status.state === "reconnecting", 3_000, "reconnecting");
      const lostAt = c.timers.now();
      expect(c.client.status).toMatchObject({ attempt: 1, retryInMs: 250, giveUpAt: lostAt + 10_000 });
      // Each attempt is refused; the clock moves to the next one.
      while (c.client.status.state === "reconnecting") {
        const { attempt, retryInMs } = c.client.status;
        c.timers.advance(retryInMs);
        await until(() => c.client.status.state !== "reconnecting" || c.client.status.attempt > attempt, 3_000, `attempt ${attempt + 1} to fail`);
      }
      expect(c.timers.now()).toBe(lostAt + 10_000);
      expect(c.client.status).toMatchObject({
        state: "closed",
        gone: true,
        reason: expect.stringMatching(/^no connection for 10 s \(socket closed \(\d+\)\)$/),
      });
      expect(c.statuses.filter((s) => s.state === "reconnecting").map((s) => (s.state === "reconnecting" ? s.retryInMs : 0))).toEqual([
        250, 500, 1_000, 2_000, 4_000, 2_250,
      ]);
    });
  });
});
