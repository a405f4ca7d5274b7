/**
 * `escapement run … --ag-ui`: the real CLI serves its run as an AG-UI stream that
 * `@ag-ui/client`'s HttpAgent reads while the run is live, prompts included; a client that goes
 * away mid-stream leaves the run unharmed.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createServer, request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HttpAgent } from "@ag-ui/client";
import type { BaseEvent } from "@ag-ui/core";
import { EventSchemas } from "@ag-ui/core/schemas";
import { afterAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..");
const cli = join(repo, "core/bin/escapement.mjs");
const work = mkdtempSync(join(tmpdir(), "escapement-ag-ui-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Cli {
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

function startCli(args: string[]): Cli {
  const child = spawn(process.execPath, [cli, "run", ...args], { cwd: repo, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** The URL the run prints on stderr (`ag-ui: <url>`). */
function agUiUrl(run: Cli): Promise<string> {
  return new Promise((done, fail) => {
    const look = () => {
      const match = /^ag-ui: (\S+)$/m.exec(run.stderr());
      if (match) return void done(match[1]!);
    };
    run.child.stderr.on("data", look);
    void run.exited.then(() => fail(new Error(`the run exited before serving AG-UI:\n${run.stderr()}`)));
    look();
  });
}

/** Answers for examples/ask under --no-tui (its bundled script expects Ada, friendly). */
const answers: Record<string, string> = { name: "Ada\n", tone: "2\n", approve: "y\n" };

describe("escapement run --ag-ui", () => {
  it("serves the live run to an HttpAgent, prompts as interrupts answered on stdin; a client that leaves mid-stream harms nothing", async () => {
    const run = startCli(["examples/ask", "--no-tui", "--ag-ui", "127.0.0.1:0", "--session-dir", join(work, "ask")]);
    const url = await agUiUrl(run);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    // A client that reads until the first prompt and disconnects while the run waits for its answer.
    const leaver = new Promise<void>((done, fail) => {
      const req = request(url, { method: "POST", headers: { "Content-Type": "application/json", Accept: "text/event-stream" } }, (response) => {
        let seen = "";
        response.on("data", (chunk: Buffer) => {
          seen += chunk.toString("utf8");
          if (seen.includes("escapement.human-prompt")) {
            req.destroy();
            done();
          }
        });
        response.on("error", () => undefined);
      });
      req.on("error", (error) => (req.destroyed ? undefined : fail(error)));
      req.end("{}");
    });

    const agent = new HttpAgent({ url });
    const events: BaseEvent[] = [];
    const reading = agent.runAgent(
      {},
      {
        onEvent: ({ event }) => {
          events.push(event);
          // The client sees each prompt while the run waits for it: answer it where the run asks (stdin).
          if (event.type === "CUSTOM" && (event as unknown as { name: string }).name === "escapement.human-prompt") {
            const { id } = (event as unknown as { value: { id: string } }).value;
            if (id === "tone") void leaver.then(() => run.child.stdin.write(answers[id]!));
            else run.child.stdin.write(answers[id]!);
          }
        },
      },
    );
    await reading;
    expect(await run.exited).toBe(0);
    expect(JSON.parse(run.stdout().trim().split("\n").at(-1)!)).toMatchObject({ status: "done", finalConfig: ["sent"] });

    for (const event of events) expect(EventSchemas.safeParse(event).success, JSON.stringify(event)).toBe(true);
    expect(events[0]).toMatchObject({ type: "RUN_STARTED" });
    expect(events.at(-1)).toMatchObject({ type: "RUN_FINISHED", outcome: { type: "success" }, result: { finalConfig: ["sent"] } });
    const custom = events
      .filter((event) => event.type === "CUSTOM")
      .map((event) => {
        const { name, value } = event as unknown as { name: string; value: { id?: string; interruptId?: string } };
        return `${name} ${value.id ?? value.interruptId}`;
      });
    expect(custom).toEqual([
      "escapement.human-prompt name",
      "escapement.human-answer name",
      "escapement.human-prompt tone",
      "escapement.human-answer tone",
      "escapement.human-prompt approve",
      "escapement.human-answer approve",
    ]);
    const steps = events.filter((event) => event.type === "STEP_STARTED").map((event) => (event as unknown as { stepName: string }).stepName);
    expect(steps).toEqual(["askName", "pickTone", "drafting", "approving", "sent"]);
    // The chart's context as the run went: the name, the tone and the draft.
    expect(agent.state).toEqual({ chartId: "ask", config: ["sent"], context: { name: "Ada", tone: "friendly", draft: expect.stringContaining("Ada") } });
    expect(agent.messages.filter((message) => message.role === "assistant").map((message) => message.content)).toEqual([expect.stringContaining("Ada")]);
  });

  it("takes a client's resume entries as answers (stdin closed): refusals reach that client, the prompt stays open", async () => {
    const run = startCli(["examples/ask", "--no-tui", "--ag-ui", "127.0.0.1:0", "--session-dir", join(work, "ask-resume")]);
    // Nothing on stdin: with --ag-ui its end leaves the prompts to the AG-UI clients.
    run.child.stdin.end();
    const url = await agUiUrl(run);

    /** POSTs resume entries; reads that request's stream until the entry's prompt is answered or refused. */
    const resume = async (interruptId: string, entry: Record<string, unknown>): Promise<"answered" | { refused: string }> => {
      const abort = new AbortController();
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({
          threadId: "t",
          runId: "answer",
          messages: [],
          tools: [],
          context: [],
          state: {},
          forwardedProps: {},
          resume: [{ interruptId, ...entry }],
        }),
        signal: abort.signal,
      });
      let text = "";
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body!) {
          text += decoder.decode(chunk as Uint8Array, { stream: true });
          for (const line of text.split("\n")) {
            if (!line.startsWith("data: ")) continue;
            const event = JSON.parse(line.slice(6)) as { type: string; name?: string; value?: { interruptId?: string; reason?: string } };
            if (event.type !== "CUSTOM" || event.value?.interruptId !== interruptId) continue;
            if (event.name === "escapement.answer-refused") return { refused: event.value.reason ?? "" };
            if (event.name === "escapement.human-answer") return "answered";
          }
        }
      } finally {
        abort.abort();
      }
      throw new Error(`the stream ended with no answer for ${interruptId}`);
    };

    const agent = new HttpAgent({ url });
    const outcomes: unknown[] = [];
    const prompts = new Set<string>();
    await agent.runAgent(
      {},
      {
        onEvent: ({ event }) => {
          if (event.type !== "CUSTOM" || (event as unknown as { name: string }).name !== "escapement.human-prompt") return;
          const { id } = (event as unknown as { value: { id: string } }).value;
          prompts.add(id);
          if (id === "name") void resume("name", { status: "resolved", payload: "Ada" }).then((outcome) => outcomes.push(outcome));
          if (id === "tone") {
            void (async () => {
              outcomes.push(await resume("no-such-prompt", { status: "resolved", payload: "x" }));
              outcomes.push(await resume("tone", { status: "resolved", payload: "shouting" }));
              outcomes.push(await resume("tone", { status: "resolved", payload: "friendly" }));
            })();
          }
          if (id === "approve") void resume("approve", { status: "resolved", payload: true }).then((outcome) => outcomes.push(outcome));
        },
      },
    );
    expect(await run.exited).toBe(0);
    expect(JSON.parse(run.stdout().trim().split("\n").at(-1)!)).toMatchObject({ status: "done", finalConfig: ["sent"] });
    expect([...prompts]).toEqual(["name", "tone", "approve"]);
    expect(outcomes).toEqual([
      "answered",
      { refused: expect.stringContaining("no-such-prompt") },
      { refused: expect.stringContaining("(prompt tone stays open)") },
      "answered",
      "answered",
    ]);
    expect(agent.state).toMatchObject({ context: { name: "Ada", tone: "friendly" } });
  });

  it("an address it cannot listen on is one line naming the flag, exit 2", async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    const { port } = taken.address() as AddressInfo;
    try {
      const run = startCli(["examples/hello", "--no-tui", "--ag-ui", `127.0.0.1:${port}`, "--session-dir", join(work, "taken")]);
      expect(await run.exited).toBe(2);
      expect(run.stderr()).toContain(`escapement: --ag-ui 127.0.0.1:${port}: cannot listen (the port is in use)`);
      expect(run.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
    const bad = startCli(["examples/hello", "--no-tui", "--ag-ui", "nope:port"]);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain(`--ag-ui takes [host:]port`);
  });
});
