import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { CLOSE_CODES, decodeInbound, encodeFrame, errorFrame, helloFrame, isStreamFrame, replayFrames, type InboundFrame } from "../src/index.js";
import { samplePath, sampleRows } from "../scripts/sample-session.js";
import { referenceRenderer, repoDir } from "./paths.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const run = (args: string[], stdin?: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoDir });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });

const lines = (text: string): string[] => text.split("\n").filter(Boolean);

describe("reference renderer: wire JSONL", () => {
  it("prints one line per frame of the sample and exits 0", async () => {
    const result = await run([referenceRenderer, samplePath]);
    const frames = [...replayFrames(sampleRows())];
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toHaveLength(frames.length);
    expect(result.stdout).toMatch(/^#0 hello escapement-wire 1\.1\.0 .* replay$/m);
    expect(result.stdout).toMatch(/^#10 event llm\/delta draft-1 "## Highlights"$/m);
    expect(result.stdout).toMatch(/^#29 prompt p-1 select "Publish these release notes\?" \[Publish\|Send back\]$/m);
    expect(result.stdout).toMatch(/^#40 run-finished done$/m);
    expect(result.stderr).toContain(`${frames.length} frames, 0 invalid, 0 ignored`);
  });

  it("reads stdin, reports bad lines on stderr with the reason, skips unknown kinds, never crashes", async () => {
    const input = [
      '{"v":1,"kind":"hello"',
      '{"v":2,"kind":"hello"}',
      '{"v":1,"kind":"cost-report","seq":0}',
      '{"v":1,"kind":"attach","token":"t","protocol":{"name":"escapement-wire","version":"1.0.0"}}',
      '{"v":1,"kind":"event","seq":1,"row":{"seq":1,"ts":1,"event":"llm/delta","data":{"invokeId":"a","turn":"1","kind":"text","text":"x"}}}',
      '{"v":1,"kind":"heartbeat","seq":0,"ts":5}',
      "",
      "[]",
    ].join("\n");
    const result = await run([referenceRenderer, "-"], input);
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual(["#0 cost-report (unknown kind, ignored)", "#0 heartbeat"]);
    expect(result.stderr).toContain("line 1: invalid frame: (frame): malformed JSON");
    expect(result.stderr).toContain("line 2: invalid frame: /v: major version 2 is not supported");
    expect(result.stderr).toContain('line 4: invalid frame: /kind: "attach" is a renderer -> core frame');
    expect(result.stderr).toContain("line 5: invalid frame: /row/data/turn: must be integer");
    expect(result.stderr).toContain("line 8: invalid frame: (frame): must be an object");
    expect(result.stderr).toContain("1 frames, 5 invalid, 1 ignored");
  });

  it("a frame whose text holds U+2028 or U+2029 (JSON leaves them unescaped) is one line, and valid", async () => {
    const rows = sampleRows().map((row) =>
      row.event === "llm/delta" ? { ...row, data: { ...(row.data as object), text: `${(row.data as { text: string }).text}\u2028line\u2029para` } } : row,
    );
    const frames = [...replayFrames(rows)].map(encodeFrame);
    expect(frames.join("\n")).toContain("\u2028");
    const result = await run([referenceRenderer, "-"], `${frames.join("\r\n")}\r\n`);
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toHaveLength(frames.length);
    expect(result.stderr).toContain(`${frames.length} frames, 0 invalid, 0 ignored`);
  });

  it("a fleet's replay: prints each child's phases, its prompt naming the child, and accepts every 1.1 field", async () => {
    const data = [
      ["runner/started", { sessionId: "s", runId: "r", chartId: "expedition", resumed: false }],
      ["runner/start-config", { config: ["scouting"] }],
      ["session/child-started", { childSessionId: "scouts-1", chartId: "scout", parentInvokeId: "scouts" }],
      ["session/child-phase", { childSessionId: "scouts-1", childSeq: 2, config: ["scouting"], breadcrumb: ["scouting"] }],
      ["llm/conversation-started", { invokeId: "scouts-1/scout", stateId: "scouts-1/scouting", model: "fast", childSessionId: "scouts-1", childSeq: 3 }],
      ["session/child-phase", { childSessionId: "scouts-1", childSeq: 9, config: ["naming"], breadcrumb: ["naming"], event: "scout.done" }],
      [
        "human-input/requested",
        {
          promptId: "scouts-1/name",
          invokeId: "scouts-1/name",
          kind: "text",
          message: "Name?",
          schema: { type: "string" },
          childSessionId: "scouts-1",
          childSeq: 11,
        },
      ],
      ["human-input/answered", { promptId: "scouts-1/name", value: "Ada", childSessionId: "scouts-1", childSeq: 12 }],
      ["session/child-done", { childSessionId: "scouts-1", status: "done" }],
      ["runner/done", { finalConfig: ["home"], status: "done" }],
    ] as const;
    const rows = data.map(([event, d], index) => ({ seq: index + 1, ts: 1760000000000 + index, event, data: d }));
    const frames = [...replayFrames(rows)];
    expect(frames.find((frame) => frame.kind === "prompt")).toMatchObject({ child: "scouts-1" });
    const result = await run([referenceRenderer, "-", "--strict"], frames.map(encodeFrame).join("\n"));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^#5 event session\/child-phase scouts-1 scouting$/m);
    expect(result.stdout).toMatch(/^#7 event session\/child-phase scouts-1 naming after scout\.done$/m);
    expect(result.stdout).toMatch(/^#9 prompt scouts-1\/name text "Name\?"$/m);
    expect(result.stdout).toMatch(/^#12 event session\/child-done scouts-1 done$/m);
    expect(result.stderr).toContain(`${frames.length} frames, 0 invalid, 0 ignored`);
  });

  it("reports a gap in the stream seq", async () => {
    const frames = [...replayFrames(sampleRows())].map(encodeFrame);
    const result = await run([referenceRenderer, "-"], [...frames.slice(0, 5), ...frames.slice(7)].join("\n"));
    expect(result.stderr).toContain("gap: expected #5, got #7");
  });

  it("exits 1 with --strict when a frame was invalid, and 2 on bad usage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wire-"));
    writeFileSync(join(dir, "bad.jsonl"), "nope\n");
    expect((await run([referenceRenderer, join(dir, "bad.jsonl"), "--strict"])).code).toBe(1);
    expect((await run([referenceRenderer])).code).toBe(2);
    expect((await run([referenceRenderer, join(dir, "missing.jsonl")])).code).toBe(2);
    expect((await run([referenceRenderer, "ws://127.0.0.1:9"])).code).toBe(2);
  });
});

describe("reference renderer: live socket", () => {
  let server: WebSocketServer | undefined;
  afterEach(() => server?.close());

  /** A minimal core: checks attach, then sends hello and the sample's stream frames after `since`. */
  const serve = (token: string) =>
    new Promise<{ url: string; attaches: InboundFrame[] }>((resolve) => {
      const attaches: InboundFrame[] = [];
      server = new WebSocketServer({ port: 0, host: "127.0.0.1" }, () => {
        resolve({ url: `ws://127.0.0.1:${(server?.address() as AddressInfo).port}`, attaches });
      });
      server.on("connection", (socket) => {
        socket.once("message", (data: Buffer) => {
          const decoded = decodeInbound(data);
          if (!decoded.ok || decoded.frame.kind !== "attach") return socket.close(CLOSE_CODES.protocolError);
          attaches.push(decoded.frame);
          if (decoded.frame.token !== token) {
            const error = errorFrame(0, { code: "unauthorized", path: "/token", message: "/token: wrong token", fatal: true });
            socket.send(encodeFrame(error));
            return socket.close(CLOSE_CODES.unauthorized);
          }
          const since = decoded.frame.since ?? 0;
          socket.send(encodeFrame(helloFrame({ sessionId: "s", runId: "r", chartId: "c", replay: false }, since)));
          for (const frame of replayFrames(sampleRows())) {
            if (isStreamFrame(frame) && frame.seq > since) socket.send(encodeFrame(frame));
          }
        });
      });
    });

  it("attaches with the token and since, prints the frames, exits 0 after run-finished", async () => {
    const { url, attaches } = await serve("s3cret");
    const result = await run([referenceRenderer, url, "--token", "s3cret", "--since", "30"]);
    expect(result.code).toBe(0);
    expect(attaches).toEqual([
      {
        v: 1,
        kind: "attach",
        token: "s3cret",
        protocol: { name: "escapement-wire", version: "1.0.0" },
        since: 30,
        client: { name: "reference-renderer" },
      },
    ]);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(/^#30 hello .* live$/);
    expect(out[1]).toMatch(/^#31 prompt-closed p-1 answered "publish"$/);
    expect(out.at(-1)).toBe("#40 run-finished done");
    expect(result.stderr).not.toContain("gap");
  });

  it("prints a fatal error frame and exits 1 when the token is refused", async () => {
    const { url } = await serve("s3cret");
    const result = await run([referenceRenderer, url, "--token", "wrong"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("#0 error unauthorized /token: wrong token (fatal)");
    expect(result.stderr).toContain("connection closed (4001");
  });
});
