import { afterEach, describe, expect, it } from "vitest";
import { WireHub, WireServer } from "../../src/wire/index.js";
import { connect, type Client } from "./harness.js";

const servers: WireServer[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const server of servers.splice(0)) await server.close();
});

const TOKEN = "renderer-token";

const start = async () => {
  const server = await WireServer.start({ hub: new WireHub(), token: TOKEN, heartbeatMs: 0 });
  servers.push(server);
  return server;
};

const client = async (server: WireServer) => {
  const c = await connect(server.url);
  clients.push(c);
  return c;
};

/** A promise's state without waiting for it. */
const settled = async <T>(promise: Promise<T>): Promise<{ done: boolean; value?: T }> => {
  const marker = Symbol("pending");
  const value = await Promise.race([promise, new Promise<typeof marker>((resolve) => setImmediate(() => resolve(marker)))]);
  return value === marker ? { done: false } : { done: true, value: value as T };
};

describe("WireServer.waitForRenderer", () => {
  it("resolves false when no renderer comes within the time", async () => {
    const server = await start();
    expect(await server.waitForRenderer(20)).toBe(false);
  });

  it("an open socket is not enough; a wrong token is not enough; an accepted attach resolves true", async () => {
    const server = await start();
    const waiting = server.waitForRenderer(60_000);
    const idle = await client(server);
    expect(await settled(waiting)).toEqual({ done: false });
    const intruder = await client(server);
    intruder.attach("wrong-token");
    await intruder.closed;
    expect(await settled(waiting)).toEqual({ done: false });
    idle.attach(TOKEN);
    expect(await waiting).toBe(true);
    expect(server.attachedCount).toBe(1);
  });

  it("resolves true at once when a renderer is already attached", async () => {
    const server = await start();
    const c = await client(server);
    c.attach(TOKEN);
    expect(await server.waitForRenderer(60_000)).toBe(true);
    expect(await server.waitForRenderer(0)).toBe(true);
  });

  it("resolves false when the signal aborts or the server closes", async () => {
    const server = await start();
    const abort = new AbortController();
    const waiting = server.waitForRenderer(60_000, abort.signal);
    abort.abort();
    expect(await waiting).toBe(false);
    expect(await server.waitForRenderer(60_000, abort.signal)).toBe(false);
    const untilClose = server.waitForRenderer(60_000);
    await server.close();
    expect(await untilClose).toBe(false);
  });
});

describe("WireServer.linger", () => {
  it("resolves at once with no renderer attached", async () => {
    const server = await start();
    await client(server); // connected, never attached
    expect(await settled(server.linger(60_000))).toEqual({ done: true, value: undefined });
  });

  it("waits while a renderer is attached, and resolves when the last one detaches", async () => {
    const server = await start();
    const first = await client(server);
    const second = await client(server);
    first.attach(TOKEN);
    second.attach(TOKEN);
    await server.waitForRenderer(60_000);
    while (server.attachedCount < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const lingering = server.linger(60_000);
    first.close();
    await first.closed;
    expect(await settled(lingering)).toEqual({ done: false });
    second.close();
    await lingering;
    expect(server.attachedCount).toBe(0);
  });

  it("gives up after its time, or on abort, with a renderer still attached", async () => {
    const server = await start();
    const c = await client(server);
    c.attach(TOKEN);
    await server.waitForRenderer(60_000);
    await server.linger(20);
    const abort = new AbortController();
    const lingering = server.linger(60_000, abort.signal);
    abort.abort();
    await lingering;
    expect(server.attachedCount).toBe(1);
  });
});
