/**
 * A steering message survives a crash: queued while a tool runs, the host SIGKILLed before the
 * conversation's next step, the resumed run gives it to the model at that step, once.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { run } from "../../src/index.js";
import { scriptedModel, type ContentBlock } from "../../src/llm/index.js";
import { readAllRows } from "../../src/runtime/index.js";
import { defineTool } from "../../src/tools/index.js";
import { expectTranscriptInvariants } from "../chart/helpers.js";
import { repo, talkChart } from "./helpers.js";

mkdirSync(join(repo, "tmp"), { recursive: true });
const work = mkdtempSync(join(repo, "tmp", "lib-resume-steer-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const stall = defineTool({ name: "stall", description: "never ends", input: z.object({}), execute: () => new Promise<never>(() => {}) });

const host = (sessionDir: string): string => `
import { z } from "zod";
import { run } from ${JSON.stringify(join(repo, "core/src/index.ts"))};
import { scriptedModel } from ${JSON.stringify(join(repo, "core/src/llm/index.ts"))};
import { defineTool } from ${JSON.stringify(join(repo, "core/src/tools/index.ts"))};
import { talkChart } from ${JSON.stringify(join(repo, "core/test/lib/fixtures/talk-chart.ts"))};

let handle;
const stall = defineTool({
  name: "stall",
  description: "never ends",
  input: z.object({}),
  execute: () => {
    const queued = handle.steer("talker", "Stop stalling and finish.");
    console.log(queued.ok ? "steered" : JSON.stringify(queued));
    return new Promise(() => {});
  },
});
handle = run({
  chart: talkChart({ realTools: ["stall"] }),
  model: scriptedModel([{ toolCalls: [{ name: "stall", input: {} }] }]),
  tools: [stall],
  sessionDir: ${JSON.stringify(sessionDir)},
});
await handle;
`;

const runAndKill = (file: string): Promise<{ out: string; stderr: string }> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(repo, "node_modules/tsx/dist/cli.mjs"), file], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("steered")) child.kill("SIGKILL");
    });
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`the host never steered\n${out}\n${stderr}`));
    }, 90_000);
    child.on("exit", () => {
      clearTimeout(deadline);
      done({ out, stderr });
    });
  });

describe("a steering message and a crash", () => {
  it("queued before a SIGKILL, it reaches the model at the resumed run's next step, once", { timeout: 120_000 }, async () => {
    const sessionDir = join(work, "session");
    const file = join(work, "host.mts");
    writeFileSync(file, host(sessionDir));
    const first = await runAndKill(file);
    expect(first.out, first.stderr).toContain("steered");

    const model = scriptedModel([{ toolCalls: [{ name: "stall", input: {} }] }, { events: [{ name: "finish", payload: {} }] }]);
    const result = await run({ chart: talkChart({ realTools: ["stall"] }), model, tools: [stall], resume: sessionDir });
    expect(result.status).toBe("done");
    // The answered call is not made again; the next one holds the tool's (unknown) outcome and the message.
    expect(model.calls).toHaveLength(1);
    const last = model.calls[0]!.messages.at(-1)!;
    expect(last.content.map((block) => block.type)).toEqual(["tool-result", "text"]);
    expect((last.content[1] as Extract<ContentBlock, { type: "text" }>).text).toBe("[message from the user]\nStop stalling and finish.");
    const rows = await readAllRows(result.transcriptPath);
    expectTranscriptInvariants(rows, result);
    expect(rows.filter((row) => row.event === "llm/steer-queued")).toHaveLength(1);
    expect(rows.filter((row) => row.event === "llm/steer-injected").map((row) => row.data)).toEqual([expect.objectContaining({ invokeId: "talker", turn: 2 })]);
  });
});
