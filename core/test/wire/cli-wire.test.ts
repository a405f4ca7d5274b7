/** `escapement run` with a wire server but no terminal UI: --listen, --no-spawn, --debug, and the flags' errors. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROTOCOL_NAME, PROTOCOL_VERSION, type OutboundFrame } from "@escapement/wire-schema";
import { parseListen } from "../../src/cli/listen-address.js";
import { frontendKind } from "../../src/cli/run-frontend.js";
import { scratch, startCli } from "../examples/harness.js";
import { connect, isKind, type Client } from "./harness.js";
import { until } from "./until.js";

const work = scratch("cli-wire");

const attachFromWireJson = async (session: string): Promise<Client> => {
  const path = join(session, "wire.json");
  const info = await until(() => (existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as { url: string; token: string }) : undefined), "wire.json");
  const client = await connect(info.url);
  client.attach(info.token);
  return client;
};

describe("run flags for the wire", () => {
  it("--listen takes [host:]port", () => {
    expect(parseListen(true)).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseListen("9000")).toEqual({ host: "127.0.0.1", port: 9000 });
    expect(parseListen("0.0.0.0:0")).toEqual({ host: "0.0.0.0", port: 0 });
    expect(parseListen("[::1]:9000")).toEqual({ host: "::1", port: 9000 });
    expect(parseListen("localhost:80")).toEqual({ host: "localhost", port: 80 });
    for (const bad of ["", "abc", "1:2:3", "99999", "host:", ":80"]) expect(() => parseListen(bad)).toThrow(/--listen takes \[host:\]port/);
  });

  it("picks the terminal UI on a terminal, the wire with --listen / --no-spawn, else stdin", () => {
    const kind = (tui: string | boolean | undefined, spawn = true, listen = false, stdoutIsTty = true) => frontendKind({ tui, spawn, listen, stdoutIsTty });
    expect(kind(undefined)).toBe("tui");
    expect(kind(undefined, true, false, false)).toBe("stdin");
    expect(kind("opentui")).toBe("tui");
    expect(kind("opentui", true, true)).toBe("tui");
    expect(kind(false)).toBe("stdin");
    expect(kind(false, true, true)).toBe("wire");
    expect(kind(undefined, false)).toBe("wire");
    expect(kind(undefined, true, true, false)).toBe("wire");
    expect(() => kind("curses")).toThrow(/unknown --tui kind "curses"/);
    expect(() => kind("opentui", true, false, false)).toThrow(/needs a terminal/);
  });

  it.each([
    [["--no-tui", "--debug"], /--debug .* needs a renderer/],
    [["--tui", "curses"], /unknown --tui kind/],
    [["--tui", "opentui"], /needs a terminal on stdout/],
    [["--listen", "nope"], /--listen takes \[host:\]port/],
  ])("%j is a usage error (exit 2)", async (flags, message) => {
    const run = startCli(["run", "examples/ask", "--session-dir", join(work, `bad-${flags.join("")}`), ...flags]);
    expect(await run.exited).toBe(2);
    expect(run.err()).toMatch(message);
  });
});

describe("escapement run --no-tui --listen", () => {
  it("serves the run on the wire: wire.json while live, prompts answered by a renderer, exit 0, wire.json gone", async () => {
    const session = join(work, "listen");
    const run = startCli(["run", "examples/ask", "--no-tui", "--listen", "127.0.0.1:0", "--session-dir", session]);
    const client = await attachFromWireJson(session);
    const info = JSON.parse(readFileSync(join(session, "wire.json"), "utf8")) as Record<string, unknown>;
    expect(info).toMatchObject({ url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/), protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION } });
    expect(String(info.token)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const answers: Record<string, unknown> = { name: "Ada", tone: "friendly", approve: true };
    client.ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { kind: string; prompt?: { promptId: string } };
      if (frame.kind === "prompt") client.send({ v: 1, kind: "answer", promptId: frame.prompt!.promptId, value: answers[frame.prompt!.promptId] });
    });
    await client.waitFor(isKind("run-finished", (frame) => frame.status === "done"));
    expect(await run.exited).toBe(0);
    expect((await client.closed).code).toBe(1000);
    expect(JSON.parse(run.out().trim())).toMatchObject({ status: "done", finalConfig: ["sent"] });
    expect(run.err()).toMatch(/wire: ws:\/\/127\.0\.0\.1:\d+ \(token in .*wire\.json\)/);
    expect(existsSync(join(session, "wire.json"))).toBe(false);
  });

  it("serves the session's blobs: read-blob of the transcript's first bytes; a ref outside the session is refused", async () => {
    const session = join(work, "blobs");
    const run = startCli(["run", "examples/ask", "--no-tui", "--listen", "127.0.0.1:0", "--session-dir", session]);
    const client = await attachFromWireJson(session);
    const hello = await client.waitFor<Extract<OutboundFrame, { kind: "hello" }>>(isKind("hello"));
    expect(hello.capabilities).toContain("blobs");
    client.send({ v: 1, kind: "read-blob", id: "b-1", ref: "transcript.jsonl", length: 64 });
    const chunk = await client.waitFor<Extract<OutboundFrame, { kind: "blob" }>>(isKind("blob", (frame) => frame.inReplyTo === "b-1"));
    expect(chunk).toMatchObject({ offset: 0, last: true });
    expect(Buffer.from(chunk.data, "base64").equals(readFileSync(join(session, "transcript.jsonl")).subarray(0, 64))).toBe(true);
    client.send({ v: 1, kind: "read-blob", id: "b-2", ref: "../listen/transcript.jsonl" });
    expect(await client.waitFor(isKind("error", (frame) => frame.inReplyTo === "b-2"))).toMatchObject({ code: "unknown-blob", path: "/ref", fatal: false });
    const answers: Record<string, unknown> = { name: "Ada", tone: "friendly", approve: true };
    const answer = (frame: OutboundFrame) => {
      if (frame.kind === "prompt") client.send({ v: 1, kind: "answer", promptId: frame.prompt.promptId, value: answers[frame.prompt.promptId] });
    };
    client.frames.forEach(answer);
    client.ws.on("message", (data) => answer(JSON.parse(data.toString()) as OutboundFrame));
    await client.waitFor(isKind("run-finished", (frame) => frame.status === "done"));
    expect(await run.exited).toBe(0);
  });

  it("--no-spawn --debug starts paused at the first external event; continue from the renderer runs it to the end", async () => {
    const session = join(work, "debug");
    const run = startCli(["run", "examples/ask", "--no-spawn", "--debug", "--session-dir", session]);
    const client = await attachFromWireJson(session);
    await client.waitFor(isKind("debug", (frame) => frame.mode === "armed"));
    client.send({ v: 1, kind: "answer", promptId: "name", value: "Ada" });
    const paused = await client.waitFor<Extract<OutboundFrame, { kind: "debug" }>>(isKind("debug", (frame) => frame.paused));
    expect(paused.reason).toBe("next external event: answer to name");
    // Held: the answer is recorded, the chart has not moved.
    expect(client.frames.some(isKind("phase", (frame) => frame.breadcrumb.includes("pickTone")))).toBe(false);
    client.send({ v: 1, kind: "control", action: "continue" });
    const answers: Record<string, unknown> = { tone: "friendly", approve: false };
    client.ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { kind: string; prompt?: { promptId: string } };
      if (frame.kind === "prompt") client.send({ v: 1, kind: "answer", promptId: frame.prompt!.promptId, value: answers[frame.prompt!.promptId] });
    });
    await client.waitFor(isKind("run-finished"));
    expect(await run.exited).toBe(0);
    expect(JSON.parse(run.out().trim())).toMatchObject({ status: "done", finalConfig: ["discarded"] });
  });
});
