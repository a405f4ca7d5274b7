import { once } from "node:events";
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import type { ToolContext } from "../../src/tools/tool.js";
import { createWebFetchTool, type WebFetchOptions } from "../../src/tools/web-fetch.js";
import { contextFor, tempDir, waitFor } from "./helpers.js";

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  }
});

/** A real HTTP server on 127.0.0.1; returns its base URL. */
const serve = async (handler: Handler): Promise<string> => {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** Writes `total` bytes in 64 KiB chunks, respecting backpressure; resolves how the response ended. */
const pump = (response: ServerResponse, total: number): Promise<"finished" | "closed"> =>
  new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    response.on("close", () => resolve(response.writableFinished ? "finished" : "closed"));
    const write = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!response.write(chunk)) {
          response.once("drain", write);
          return;
        }
      }
      response.end();
    };
    write();
  });

/** A URL on 127.0.0.1 where nothing listens. */
const closedPortUrl = async (): Promise<string> => {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return `http://127.0.0.1:${port}`;
};

/** A context whose permit allows every URL: the test servers are on loopback, which the default policy denies. */
const allowing = (workDir: string, signal?: AbortSignal): ToolContext => ({
  ...contextFor(workDir, signal),
  permit: async () => ({ allowed: true, rule: "test: allow all" }),
});

const setup = async () => {
  const dir = await tempDir();
  let n = 0;
  const tool = (options: Omit<WebFetchOptions, "tempDir" | "newFileName"> = {}) =>
    createWebFetchTool({ tempDir: join(dir, "fetch"), newFileName: () => `body-${++n}`, ...options });
  return { dir, fetchDir: join(dir, "fetch"), tool };
};

describe("web_fetch", () => {
  it("saves the body to a file and returns status, type, size and a text preview", async () => {
    const base = await serve((_, response) => {
      response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      response.end("hello from the server\n");
    });
    const { dir, tool } = await setup();
    const result = await tool().execute({ url: `${base}/greeting` }, allowing(dir));
    const path = join(dir, "fetch", "body-1");
    expect(result.isError).toBe(false);
    expect(result.output).toBe(
      [
        `GET ${base}/greeting -> 200 OK`,
        "content-type: text/plain; charset=utf-8",
        "bytes: 22",
        `saved to: ${path}`,
        "preview:",
        "hello from the server\n",
      ].join("\n"),
    );
    expect(result.meta).toMatchObject({ status: 200, contentType: "text/plain; charset=utf-8", bytes: 22, path });
    expect(await readFile(path, "utf8")).toBe("hello from the server\n");
  });

  it("shows no preview for binary content and cuts a long text preview on a character boundary", async () => {
    const base = await serve((request, response) => {
      if (request.url === "/bin") {
        response.writeHead(200, { "content-type": "application/octet-stream" });
        response.end(Buffer.from([0, 1, 2, 3]));
      } else {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ word: "ééééé" }));
      }
    });
    const { dir, tool } = await setup();
    const binary = await tool().execute({ url: `${base}/bin` }, allowing(dir));
    expect(binary.output).not.toContain("preview");
    expect(binary.meta).toMatchObject({ bytes: 4 });
    // {"word":" is 9 bytes; each é is 2, so 12 bytes end in the middle of the second é.
    const json = await tool({ previewBytes: 12 }).execute({ url: `${base}/json` }, allowing(dir));
    expect(json.output).toMatch(/preview \(first 12 of 21 bytes\):\n\{"word":"é$/);
  });

  it("saves a gzip or brotli encoded body decoded", async () => {
    const text = "compressed text\n".repeat(100);
    const base = await serve((request, response) => {
      const br = request.url === "/br";
      response.writeHead(200, { "content-type": "text/plain", "content-encoding": br ? "br" : "gzip" });
      response.end(br ? brotliCompressSync(text) : gzipSync(text));
    });
    const { dir, tool } = await setup();
    for (const path of ["/gzip", "/br"]) {
      const result = await tool({ previewBytes: 16 }).execute({ url: `${base}${path}` }, allowing(dir));
      expect(result.meta).toMatchObject({ bytes: text.length });
      expect(result.output).toContain("preview (first 16 of 1600 bytes):\ncompressed text\n");
      expect(await readFile(result.meta?.path as string, "utf8")).toBe(text);
    }
  });

  it("streams the body to disk while it is still arriving", async () => {
    let finish: () => void = () => {};
    const base = await serve((_, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("first part\n");
      finish = () => response.end("second part\n");
    });
    const { dir, fetchDir, tool } = await setup();
    const pending = tool().execute({ url: base }, allowing(dir));
    const partial = join(fetchDir, "body-1");
    await waitFor(async () => existsSync(partial) && (await stat(partial)).size === 11, 5000, "the first part on disk");
    finish();
    const result = await pending;
    expect(result.meta).toMatchObject({ bytes: 23 });
    expect(await readFile(partial, "utf8")).toBe("first part\nsecond part\n");
  });

  it("stops a download that passes the size cap, closes the connection and keeps no file", async () => {
    let ended: Promise<"finished" | "closed"> = Promise.resolve("finished");
    const base = await serve((_, response) => {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      ended = pump(response, 64 * 1024 * 1024);
    });
    const { dir, fetchDir, tool } = await setup();
    const result = await tool({ maxBytes: 1024 * 1024 }).execute({ url: base }, allowing(dir));
    expect(result.isError).toBe(true);
    expect(result.output).toBe(`GET ${base} -> 200: body not kept because the download passed 1048576 bytes and was stopped (cap 1048576 bytes).`);
    expect(result.meta).toMatchObject({ tooLarge: true, maxBytes: 1048576 });
    expect(await ended).toBe("closed");
    expect(await readdir(fetchDir)).toEqual([]);
  });

  it("does not download a body whose declared length is over the cap", async () => {
    const base = await serve((_, response) => {
      response.writeHead(200, { "content-type": "text/plain", "content-length": String(5000) });
      response.end("x".repeat(5000));
    });
    const { dir, fetchDir, tool } = await setup();
    const result = await tool({ maxBytes: 1000 }).execute({ url: base }, allowing(dir));
    expect(result.isError).toBe(true);
    expect(result.output).toMatch(/it declares 5000 bytes \(cap 1000 bytes\)/);
    expect(existsSync(fetchDir)).toBe(false);
  });

  it("honours the abort signal mid-download and removes the partial file", async () => {
    let requested: () => void = () => {};
    const arrived = new Promise<void>((resolve) => (requested = resolve));
    let ended: Promise<"finished" | "closed"> = Promise.resolve("finished");
    const base = await serve((_, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("partial\n");
      ended = once(response, "close").then(() => "closed" as const);
      requested();
    });
    const { dir, fetchDir, tool } = await setup();
    const controller = new AbortController();
    const pending = tool().execute({ url: base }, allowing(dir, controller.signal));
    await arrived;
    await waitFor(() => existsSync(join(fetchDir, "body-1")), 5000, "the body file");
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ isError: true, output: "Aborted: the tool call was cancelled.", meta: { aborted: true } });
    expect(await ended).toBe("closed");
    expect(await readdir(fetchDir)).toEqual([]);
  });

  it("gives up on a server that never answers after timeoutMs", async () => {
    const base = await serve(() => {});
    const { dir, tool } = await setup();
    const started = Date.now();
    const result = await tool({ timeoutMs: 300 }).execute({ url: base }, allowing(dir));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result).toMatchObject({ isError: true, output: `GET ${base} timed out after 300 ms.`, meta: { timedOut: true } });
  });

  it("reports an error status with its body, and an unreachable host, without throwing", async () => {
    const base = await serve((_, response) => {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("no such page");
    });
    const { dir, tool } = await setup();
    const notFound = await tool().execute({ url: `${base}/missing` }, allowing(dir));
    expect(notFound).toMatchObject({ isError: true, meta: { status: 404 } });
    expect(notFound.output).toContain("-> 404 Not Found");
    expect(notFound.output).toContain("no such page");

    const unreachable = await tool().execute({ url: await closedPortUrl() }, allowing(dir));
    expect(unreachable.isError).toBe(true);
    expect(unreachable.output).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+ failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });
});
