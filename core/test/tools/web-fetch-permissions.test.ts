import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { defaultPolicy } from "../../src/permissions/default-policy.js";
import type { PermissionTarget, Permit, PermitFn } from "../../src/permissions/permission-target.js";
import { permitWithoutHuman } from "../../src/permissions/permit-without-human.js";
import type { ToolContext } from "../../src/tools/tool.js";
import { createWebFetchTool, type WebFetchOptions } from "../../src/tools/web-fetch.js";
import { contextFor, tempDir } from "./helpers.js";

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
type UrlTarget = Extract<PermissionTarget, { kind: "url" }>;

interface Served {
  base: string;
  port: number;
  /** `host` header and path of every request the server received. */
  requests: { host: string | undefined; path: string | undefined }[];
}

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const track = (server: Server | ReturnType<typeof createTlsServer>): void => {
  closers.push(async () => {
    if ("closeAllConnections" in server) server.closeAllConnections();
    server.close();
    await once(server, "close");
  });
};

/** A real HTTP server on `address` (a free port unless `port` is given) that records each request. */
const serve = async (handler: Handler = okHandler, address = "127.0.0.1", port = 0): Promise<Served> => {
  const requests: Served["requests"] = [];
  const server = createServer((request, response) => {
    requests.push({ host: request.headers.host, path: request.url });
    handler(request, response);
  });
  track(server);
  server.listen(port, address);
  await once(server, "listening");
  const bound = (server.address() as AddressInfo).port;
  return { base: `http://${address.includes(":") ? `[${address}]` : address}:${bound}`, port: bound, requests };
};

const okHandler: Handler = (_, response) => {
  response.writeHead(200, { "content-type": "text/plain" });
  response.end("ok\n");
};

const redirectTo =
  (location: string, status = 302): Handler =>
  (_, response) => {
    response.writeHead(status, { location });
    response.end();
  };

/** Whether this machine can listen on ::1. */
const ipv6 = await new Promise<boolean>((resolve) => {
  const probe = createServer();
  probe.once("error", () => resolve(false));
  probe.listen(0, "::1", () => probe.close(() => resolve(true)));
});

const allow: Permit = { allowed: true, rule: "test: allow" };
const deny = (target: UrlTarget): Permit => ({ allowed: false, rule: "test: deny", message: `permission denied: GET ${target.url}` });

/** A permit that records every target it is asked about and answers with `decide`. */
const recordingPermit = (decide: (target: UrlTarget) => Permit | Promise<Permit> = () => allow) => {
  const calls: UrlTarget[] = [];
  const permit: PermitFn = async (target) => {
    if (target.kind !== "url") throw new Error(`web_fetch asked about a ${target.kind}`);
    calls.push(target);
    return decide(target);
  };
  return { calls, permit };
};

/** A lookup that records the hosts it is asked for and answers from `answers`, one list per call. */
const recordingLookup = (...answers: string[][]) => {
  const hosts: string[] = [];
  const lookup = async (host: string): Promise<string[]> => {
    hosts.push(host);
    const answer = answers[Math.min(hosts.length, answers.length) - 1];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return answer;
  };
  return { hosts, lookup };
};

const setup = async () => {
  const dir = await tempDir();
  const tool = (options: Omit<WebFetchOptions, "tempDir"> = {}) => createWebFetchTool({ tempDir: join(dir, "fetch"), ...options });
  const context = (permit?: PermitFn, signal?: AbortSignal): ToolContext => ({ ...contextFor(dir, signal), ...(permit ? { permit } : {}) });
  return { dir, tool, context };
};

describe("web_fetch permissions", () => {
  it("declares that it checks its own permissions", async () => {
    const { tool } = await setup();
    expect(tool().checksPermissions).toBe(true);
  });

  it("sends no request when the permit refuses the URL, and returns the permit's message", async () => {
    const server = await serve();
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit(deny);
    const url = `${server.base}/private`;
    const result = await tool().execute({ url }, context(permit));
    expect(result).toEqual({
      isError: true,
      output: `permission denied: GET ${url}`,
      meta: { url, permission: "denied", rule: "test: deny", hop: 1, hopUrl: url },
    });
    expect(calls).toEqual([{ kind: "url", url, host: "127.0.0.1", addresses: ["127.0.0.1"] }]);
    expect(server.requests).toEqual([]);
  });

  it("without a run permit, uses the default policy, which denies loopback", async () => {
    const server = await serve();
    const { tool, context } = await setup();
    const result = await tool().execute({ url: `${server.base}/` }, context());
    expect(result).toMatchObject({ isError: true, meta: { permission: "denied", hop: 1 } });
    expect(result.output).toMatch(/^permission denied: GET http:\/\/127\.0\.0\.1:\d+\/ /);
    expect(server.requests).toEqual([]);
  });

  it("checks every redirect hop: a redirect to a refused server sends it nothing and names the hop", async () => {
    const inner = await serve();
    const outer = await serve(redirectTo(`${inner.base}/admin`));
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit((target) => (target.url.startsWith(outer.base) ? allow : deny(target)));
    const result = await tool().execute({ url: `${outer.base}/start` }, context(permit));
    expect(result).toEqual({
      isError: true,
      output: `permission denied: GET ${inner.base}/admin`,
      meta: {
        url: `${outer.base}/start`,
        permission: "denied",
        rule: "test: deny",
        hop: 2,
        hopUrl: `${inner.base}/admin`,
        redirectedFrom: `${outer.base}/start`,
      },
    });
    expect(calls.map((target) => target.url)).toEqual([`${outer.base}/start`, `${inner.base}/admin`]);
    expect(outer.requests).toHaveLength(1);
    expect(inner.requests).toEqual([]);
  });

  it("refuses a redirect to a name that resolves to the metadata address, under the default policy", async () => {
    const outer = await serve(redirectTo("http://metadata.test/latest/meta-data/"));
    const { dir, tool, context } = await setup();
    const policy = permitWithoutHuman(defaultPolicy(dir), "web_fetch");
    // The test server is on loopback: only its own URL is let through; the redirect meets the default policy.
    const { calls, permit } = recordingPermit((target) => (target.url.startsWith(outer.base) ? allow : policy(target)));
    const { hosts, lookup } = recordingLookup(["169.254.169.254"]);
    const result = await tool({ lookup }).execute({ url: outer.base }, context(permit));
    expect(result).toMatchObject({ isError: true, meta: { permission: "denied", hop: 2, hopUrl: "http://metadata.test/latest/meta-data/" } });
    expect(result.output).toContain("169.254.169.254");
    expect(hosts).toEqual(["metadata.test"]);
    expect(calls[1]).toEqual({ kind: "url", url: "http://metadata.test/latest/meta-data/", host: "metadata.test", addresses: ["169.254.169.254"] });
  });

  it("follows permitted redirects, relative ones included, and reports the final URL", async () => {
    const last = await serve((request, response) => {
      if (request.url === "/moved") return redirectTo("/final?x=1", 303)(request, response);
      okHandler(request, response);
    });
    const first = await serve(redirectTo(`${last.base}/moved`, 301));
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit();
    const result = await tool().execute({ url: `${first.base}/a` }, context(permit));
    expect(result.isError).toBe(false);
    expect(result.output).toContain(`GET ${first.base}/a -> 200 OK\nfinal url: ${last.base}/final?x=1\n`);
    expect(result.meta).toMatchObject({ url: `${first.base}/a`, finalUrl: `${last.base}/final?x=1`, status: 200 });
    expect(calls.map((target) => target.url)).toEqual([`${first.base}/a`, `${last.base}/moved`, `${last.base}/final?x=1`]);
    expect(last.requests.map((request) => request.path)).toEqual(["/moved", "/final?x=1"]);
  });

  it("gives up after maxRedirects redirects, each hop checked", async () => {
    let n = 0;
    const server = await serve((request, response) => redirectTo(`/hop-${++n}`, 307)(request, response));
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit();
    const result = await tool().execute({ url: `${server.base}/` }, context(permit));
    expect(result).toMatchObject({ isError: true, meta: { tooManyRedirects: true, maxRedirects: 10 } });
    expect(result.output).toBe(`GET ${server.base}/ failed: more than 10 redirects (the last, from ${server.base}/hop-10, went to /hop-11).`);
    expect(server.requests).toHaveLength(11);
    expect(calls).toHaveLength(11);

    const short = await tool({ maxRedirects: 2 }).execute({ url: `${server.base}/` }, context(permit));
    expect(short.output).toMatch(/more than 2 redirects/);
  });

  it("does not follow a redirect to a scheme other than http or https", async () => {
    const server = await serve(redirectTo("file:///etc/passwd"));
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit();
    const result = await tool().execute({ url: `${server.base}/` }, context(permit));
    expect(result).toMatchObject({ isError: true, meta: { hop: 2, hopUrl: "file:///etc/passwd" } });
    expect(result.output).toBe(`GET ${server.base}/ failed: file:///etc/passwd (redirected from ${server.base}/) is not an http or https URL.`);
    expect(calls).toHaveLength(1);
  });

  it("gives the permit the lowercased host and the addresses it resolved to, and sends the name as Host", async () => {
    const server = await serve();
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit();
    const { hosts, lookup } = recordingLookup(["127.0.0.1"]);
    const result = await tool({ lookup }).execute({ url: `http://Example.TEST:${server.port}/path?q=1` }, context(permit));
    expect(result.isError).toBe(false);
    expect(hosts).toEqual(["example.test"]);
    expect(calls).toEqual([{ kind: "url", url: `http://example.test:${server.port}/path?q=1`, host: "example.test", addresses: ["127.0.0.1"] }]);
    expect(server.requests).toEqual([{ host: `example.test:${server.port}`, path: "/path?q=1" }]);
  });

  it("resolves names with the system resolver by default", async () => {
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit(deny);
    await tool().execute({ url: "http://localhost:9/" }, context(permit));
    expect(calls).toHaveLength(1);
    expect(calls[0]?.host).toBe("localhost");
    expect(calls[0]?.addresses.length).toBeGreaterThan(0);
    for (const address of calls[0]?.addresses ?? []) expect(address).toMatch(/^(127\.|::1$)/);
  });

  it("reports a name that does not resolve without asking the permit", async () => {
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit();
    const { lookup } = recordingLookup();
    const result = await tool({ lookup }).execute({ url: "http://nowhere.test/" }, context(permit));
    expect(result).toMatchObject({ isError: true, output: "GET http://nowhere.test/ failed: getaddrinfo ENOTFOUND nowhere.test" });
    expect(calls).toEqual([]);
  });

  it.skipIf(!ipv6)("connects to the checked addresses: a second, different DNS answer is never asked for", async () => {
    // The checked address (permitted) and the one a rebinding answer would give (refused) listen on the same port.
    const checked = await serve(okHandler, "::1");
    const rebound = await serve(okHandler, "127.0.0.1", checked.port);
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit((target) => (target.addresses.every((address) => address === "::1") ? allow : deny(target)));
    const { hosts, lookup } = recordingLookup(["::1"], ["127.0.0.1"]);
    const result = await tool({ lookup }).execute({ url: `http://rebind.test:${checked.port}/` }, context(permit));
    expect(result.isError).toBe(false);
    expect(hosts).toEqual(["rebind.test"]);
    expect(calls).toHaveLength(1);
    expect(checked.requests).toEqual([{ host: `rebind.test:${checked.port}`, path: "/" }]);
    expect(rebound.requests).toEqual([]);
  });

  it("re-resolves and re-checks a redirect back to the same host", async () => {
    let n = 0;
    const server = await serve((request, response) => (++n === 1 ? redirectTo("/again")(request, response) : okHandler(request, response)));
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit((target) => (target.url.endsWith("/again") ? deny(target) : allow));
    const { hosts, lookup } = recordingLookup(["127.0.0.1"]);
    const result = await tool({ lookup }).execute({ url: `http://same.test:${server.port}/` }, context(permit));
    expect(result).toMatchObject({ isError: true, meta: { permission: "denied", hop: 2 } });
    expect(hosts).toEqual(["same.test", "same.test"]);
    expect(calls).toHaveLength(2);
    expect(server.requests).toHaveLength(1);
  });

  it("takes an IPv6 literal as its own address: [::1] is host ::1, and no lookup is made", async () => {
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit(deny);
    const { hosts, lookup } = recordingLookup(["192.0.2.1"]);
    const result = await tool({ lookup }).execute({ url: "http://[::1]:9/x" }, context(permit));
    expect(result.meta).toMatchObject({ permission: "denied" });
    expect(calls).toEqual([{ kind: "url", url: "http://[::1]:9/x", host: "::1", addresses: ["::1"] }]);
    expect(hosts).toEqual([]);
  });

  it.skipIf(!ipv6)("fetches from an IPv6 literal with a bracketed Host header", async () => {
    const server = await serve(okHandler, "::1");
    const { tool, context } = await setup();
    const { permit } = recordingPermit();
    const result = await tool().execute({ url: `${server.base}/v6` }, context(permit));
    expect(result.isError).toBe(false);
    expect(server.requests).toEqual([{ host: `[::1]:${server.port}`, path: "/v6" }]);
  });

  it("over https, connects to the checked address and sends the host name in SNI", async () => {
    const names: string[] = [];
    // The handshake stops after the client hello: this server only records the name it was asked for.
    const server = createTlsServer({
      SNICallback: (name, callback) => {
        names.push(name);
        callback(new Error("no certificate here"), undefined);
      },
    });
    server.on("tlsClientError", () => undefined);
    track(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const { tool, context } = await setup();
    const { calls, permit } = recordingPermit();
    const { lookup } = recordingLookup(["127.0.0.1"]);
    const result = await tool({ lookup }).execute({ url: `https://secure.test:${port}/` }, context(permit));
    expect(result).toMatchObject({ isError: true });
    expect(result.output).toMatch(/^GET https:\/\/secure\.test:\d+\/ failed: /);
    expect(calls).toEqual([{ kind: "url", url: `https://secure.test:${port}/`, host: "secure.test", addresses: ["127.0.0.1"] }]);
    expect(names).toEqual(["secure.test"]);
  });

  it("does not count a slow permission answer against the timeout", async () => {
    const server = await serve();
    const { tool, context } = await setup();
    const { permit } = recordingPermit(async () => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      return allow;
    });
    const result = await tool({ timeoutMs: 200 }).execute({ url: `${server.base}/` }, context(permit));
    expect(result.isError).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it("stops waiting for a permission answer when the call is aborted, and sends nothing", async () => {
    const server = await serve();
    const { tool, context } = await setup();
    const controller = new AbortController();
    const { calls, permit } = recordingPermit(() => new Promise<Permit>(() => undefined));
    const pending = tool().execute({ url: `${server.base}/` }, context(permit, controller.signal));
    while (calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect(await pending).toMatchObject({ isError: true, output: "Aborted: the tool call was cancelled.", meta: { aborted: true } });
    expect(server.requests).toEqual([]);
  });
});
