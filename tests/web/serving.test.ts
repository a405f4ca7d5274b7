/**
 * The page and the wire on one port (`--web`): the built files with their content types and a
 * Content-Security-Policy, nothing outside them (no traversal, encoded or not), the wire on the
 * same origin with the token from the printed URL, and one clear line when the page is missing.
 */
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { PROTOCOL_NAME, PROTOCOL_VERSION } from "@escapement/wire-schema";
import { recordSession, startCore, type Core } from "./browser.js";

const work = mkdtempSync(join(tmpdir(), "escapement-web-serving-"));
const session = join(work, "recorded");
let core: Core | undefined;
let base: URL;
let token = "";

beforeAll(async () => {
  await recordSession(session);
  core = startCore(["open", session, "--web", "127.0.0.1:0"]);
  const url = new URL(await core.url());
  token = decodeURIComponent(url.hash.replace(/^#token=/, ""));
  base = new URL("/", url);
}, 60_000);

afterAll(async () => {
  core?.child.kill("SIGINT");
  if (core) expect(await core.exited).toBe(0);
  rmSync(work, { recursive: true, force: true });
});

/** A raw GET: the path goes out exactly as written (fetch would normalise `..` away). */
const get = (path: string, method = "GET") =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });

describe("--web serving", () => {
  it("serves the page with a CSP, and its assets with their content types", async () => {
    const page = await get("/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["content-security-policy"]).toContain("connect-src 'self'");
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    const style = /href="\.\/(assets\/[^"]+\.css)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    expect((await get(`/${script}`)).headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect((await get(`/${style}`)).headers["content-type"]).toBe("text/css; charset=utf-8");
    expect((await get(`/${script}`, "HEAD")).status).toBe(200);
  });

  it.each([
    "/../package.json",
    "/assets/../../package.json",
    "/%2e%2e/package.json",
    "/..%2f..%2fpackage.json",
    "/%00",
    "/assets",
    "/missing.js",
    "/..\\package.json",
  ])("answers %s with 404", async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(res.body).toBe("not found\n");
  });

  it("refuses other methods", async () => {
    expect((await get("/", "POST")).status).toBe(405);
  });

  it("speaks the wire on the same port, with the token from the URL's fragment", async () => {
    const ws = new WebSocket(`ws://${base.host}/`);
    await new Promise((done, fail) => ws.once("open", done).once("error", fail));
    const first = new Promise<{ kind: string; replay?: boolean }>((resolve) => ws.once("message", (raw) => resolve(JSON.parse(String(raw)))));
    ws.send(JSON.stringify({ v: 1, kind: "attach", token, protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION } }));
    expect(await first).toMatchObject({ kind: "hello", replay: true });
    ws.close();
  });
});

describe("--web usage", () => {
  it("says in one line when the page is not built", async () => {
    const run = startCore(["open", session, "--web", "127.0.0.1:0"], { ESCAPEMENT_WEB_DIST: join(work, "nowhere") });
    expect(await run.exited).toBe(2);
    expect(run.err()).toMatch(/^escapement: ESCAPEMENT_WEB_DIST=\S+ has no index\.html; point it at the browser renderer's built files or unset it\n/);
  });

  it("refuses --web with --listen", async () => {
    const run = startCore(["run", "tests/web/fixture", "--web", "--listen", "0"]);
    expect(await run.exited).toBe(2);
    expect(run.err()).toContain("--web serves the wire protocol on its own address; drop --listen");
  });
});
