/**
 * `escapement run … --inspect`: through the real CLI, a page (a WebSocket client with the URL's
 * token, as the inspector page is) gets the run's actors, events and snapshots in the Stately
 * inspector's protocol; the run ends, and the process exits, with the page still connected.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { scratch, startCli } from "../examples/harness.js";
import { until } from "../wire/until.js";

const work = scratch("cli-inspect");

/** Opens a socket; resolves with it once open, or with the HTTP status it was refused with. */
const connect = (url: string): Promise<{ socket: WebSocket; messages: Array<Record<string, any>>; closed: Promise<void> } | { refused: number }> =>
  new Promise((resolve) => {
    const socket = new WebSocket(url);
    const messages: Array<Record<string, any>> = [];
    const closed = new Promise<void>((done) => socket.on("close", () => done()));
    socket.on("message", (data) => messages.push(JSON.parse(String(data)) as Record<string, any>));
    socket.on("open", () => resolve({ socket, messages, closed }));
    socket.on("unexpected-response", (_request, response) => resolve({ refused: response.statusCode ?? 0 }));
  });

describe("run --inspect", () => {
  it("serves the inspector page and streams the chart's actors, events and snapshots to it", async () => {
    const run = startCli(["run", "examples/ask", "--no-tui", "--inspect", "127.0.0.1:0", "--session-dir", join(work, "s")]);
    const line = await until(
      () => /inspect: (http:\/\/127\.0\.0\.1:\d+)\/#([0-9a-f]+) \(.*needs internet access/.exec(run.err()) ?? undefined,
      "the inspect line",
      20_000,
    );
    const [, base, token] = line;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<iframe id="inspector" src="https://stately.ai/inspect">');
    const ws = base!.replace("http:", "ws:");
    expect(await connect(`${ws}/?token=wrong`)).toEqual({ refused: 401 });
    const inspector = await connect(`${ws}/?token=${token}`);
    if ("refused" in inspector) throw new Error(`refused: ${inspector.refused}`);

    await until(() => run.err().includes("Who should we greet?"), "the first prompt", 20_000);
    run.child.stdin.write("Ada\n");
    await until(() => run.err().includes("Which tone for Ada?"), "the second prompt", 20_000);
    run.child.stdin.end("friendly\ny\n");
    expect(await run.exited).toBe(0);
    await inspector.closed; // the server ended the page's connection: nothing kept the process alive

    const { messages } = inspector;
    const root = messages.find((message) => message.type === "@xstate.actor" && message.name === "ask");
    expect(root).toBeDefined();
    expect(JSON.parse(root!.definition as string)).toMatchObject({ id: "ask", initial: "askName" });
    const rootSnapshots = messages.filter((message) => message.type === "@xstate.snapshot" && message.sessionId === root!.sessionId);
    expect(rootSnapshots.map((message) => message.snapshot.value)).toEqual(expect.arrayContaining(["askName", "pickTone", "drafting"]));
    expect(rootSnapshots.at(-1)!.snapshot.context).toMatchObject({ name: "Ada", tone: "friendly" });
    expect(messages.some((message) => message.type === "@xstate.event" && message.event.type === "llm.idle")).toBe(true);
    expect(JSON.parse(run.out().trim())).toMatchObject({ status: "done" });
  });

  it("a port in use is one line and exit 2, before any session", async () => {
    const first = startCli(["run", "examples/ask", "--no-tui", "--inspect", "127.0.0.1:0", "--session-dir", join(work, "a")]);
    const [, port] = await until(() => /inspect: http:\/\/127\.0\.0\.1:(\d+)\//.exec(first.err()) ?? undefined, "the inspect line", 20_000);
    const second = startCli(["run", "examples/ask", "--no-tui", "--inspect", `127.0.0.1:${port}`, "--session-dir", join(work, "b")]);
    expect(await second.exited).toBe(2);
    expect(second.err()).toContain(`escapement: --inspect 127.0.0.1:${port}: the port is in use`);
    expect(second.err()).not.toMatch(/\n\s+at /);
    expect(existsSync(join(work, "b"))).toBe(false);
    first.child.stdin.end();
    await first.exited;
  });
});
