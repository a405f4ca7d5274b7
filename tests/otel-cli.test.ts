/**
 * `escapement run --otel` through the real CLI, against a local OTLP/HTTP receiver on 127.0.0.1
 * that records what the exporter POSTs: the run's spans arrive (JSON or protobuf, as the standard
 * OTEL_EXPORTER_OTLP_* variables say), and an unsupported protocol is one clear line.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { resultOf, runCli } from "../core/test/examples/harness.js";

const work = mkdtempSync(join(tmpdir(), "escapement-otel-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Post {
  path: string;
  contentType: string;
  body: Buffer;
}

/** An OTLP/HTTP receiver: answers every POST with 200 and keeps it. */
async function receiver(): Promise<{ server: Server; url: string; posts: Post[] }> {
  const posts: Post[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      posts.push({ path: request.url ?? "", contentType: request.headers["content-type"] ?? "", body: Buffer.concat(chunks) });
      response
        .writeHead(200, { "content-type": request.headers["content-type"] ?? "application/json" })
        .end(request.headers["content-type"]?.includes("json") ? "{}" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts };
}

let open: Server | undefined;
afterEach(async () => {
  const server = open;
  if (server) await new Promise((resolve) => server.close(resolve));
  open = undefined;
});

/** No model keys or config from the machine; the OTLP variables given. */
const envWith = (otel: Record<string, string>) => ({ PATH: process.env["PATH"] ?? "", HOME: join(work, "home"), ...otel });

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; arrayValue?: { values: AnyValue[] } };
interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: AnyValue }[];
  status?: { code?: number };
}
const valueOf = (value: AnyValue): unknown =>
  value.arrayValue ? value.arrayValue.values.map(valueOf) : (value.stringValue ?? (value.intValue === undefined ? value.boolValue : Number(value.intValue)));
const attributesOf = (list: { key: string; value: AnyValue }[]) => Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));

const scan = (session: string) => ["run", "examples/scan", "--no-tui", "--script", "examples/scan/script.json", "--session-dir", join(work, session), "--otel"];

describe("run --otel", () => {
  it("sends the run's spans as OTLP/HTTP JSON: the run, each turn, each tool call, with the session and the state", async () => {
    const otlp = await receiver();
    open = otlp.server;
    const run = await runCli(scan("json"), {
      env: envWith({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_SERVICE_NAME: "scan-agent" }),
      deadlineMs: 30_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const { sessionId } = resultOf(run);

    expect(otlp.posts.length).toBeGreaterThan(0);
    expect(otlp.posts.every((post) => post.path === "/v1/traces" && post.contentType.includes("application/json"))).toBe(true);
    const batches = otlp.posts.map(
      (post) =>
        JSON.parse(post.body.toString("utf8")) as {
          resourceSpans: { resource: { attributes: { key: string; value: AnyValue }[] }; scopeSpans: { scope: { name: string }; spans: JsonSpan[] }[] }[];
        },
    );
    const resources = batches.flatMap((batch) => batch.resourceSpans.map((entry) => attributesOf(entry.resource.attributes)));
    expect(resources.every((resource) => resource["service.name"] === "scan-agent")).toBe(true);
    const scopes = batches.flatMap((batch) => batch.resourceSpans.flatMap((entry) => entry.scopeSpans));
    expect(new Set(scopes.map((scope) => scope.scope.name))).toEqual(new Set(["@escapement/core"]));
    const spans = scopes.flatMap((scope) => scope.spans);

    const root = spans.find((span) => span.name === "invoke_agent scan")!;
    expect(root).toBeDefined();
    expect(root.parentSpanId ?? "").toBe("");
    expect(attributesOf(root.attributes)).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.conversation.id": sessionId,
      "escapement.run.status": "done",
    });
    const chats = spans.filter((span) => span.name.startsWith("chat "));
    const tools = spans.filter((span) => span.name.startsWith("execute_tool "));
    expect(chats).toHaveLength(4);
    expect(tools.map((span) => span.name).sort()).toEqual(["execute_tool fs_glob", "execute_tool fs_read", "execute_tool fs_read", "execute_tool fs_read"]);
    for (const span of [...chats, ...tools]) {
      expect(span.traceId).toBe(root.traceId);
      expect(span.parentSpanId).toBe(root.spanId);
      expect(attributesOf(span.attributes)).toMatchObject({ "gen_ai.conversation.id": sessionId, "escapement.state": expect.any(String) });
    }
    const first = attributesOf(chats.find((span) => attributesOf(span.attributes)["escapement.turn"] === 1)!.attributes);
    expect(first).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.response.finish_reasons": ["tool_use"] });
    expect(first["gen_ai.usage.input_tokens"]).toEqual(expect.any(Number));
    expect(first["gen_ai.usage.output_tokens"]).toEqual(expect.any(Number));
    expect(attributesOf(tools[0]!.attributes)).toMatchObject({ "gen_ai.operation.name": "execute_tool", "gen_ai.tool.call.id": expect.any(String) });
  });

  it("sends protobuf by default (http/protobuf), to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given", async () => {
    const otlp = await receiver();
    open = otlp.server;
    const run = await runCli(scan("proto"), { env: envWith({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${otlp.url}/custom/traces` }), deadlineMs: 30_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(otlp.posts.length).toBeGreaterThan(0);
    expect(otlp.posts.every((post) => post.path === "/custom/traces" && post.contentType === "application/x-protobuf")).toBe(true);
    // Protobuf keeps strings as they are: the span names are in the bytes.
    const bytes = Buffer.concat(otlp.posts.map((post) => post.body)).toString("latin1");
    for (const name of ["invoke_agent scan", "execute_tool fs_glob", "gen_ai.usage.input_tokens", resultOf(run).sessionId]) expect(bytes).toContain(name);
  });

  it("without --otel nothing is sent, whatever the variables say", async () => {
    const otlp = await receiver();
    open = otlp.server;
    const args = scan("off").filter((arg) => arg !== "--otel");
    const run = await runCli(args, { env: envWith({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }), deadlineMs: 30_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(otlp.posts).toEqual([]);
  });

  it("an OTLP protocol it cannot send (grpc) is one line naming the variable, exit 2, before the run starts", async () => {
    const run = await runCli(scan("grpc"), { env: envWith({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--otel: OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported; use http/protobuf or http/json");
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    expect(run.stdout).toBe("");
  });
});
