/**
 * `.escapement.json` `middleware` through the real `escapement run` (core/bin, built dist) against
 * a local server speaking the Anthropic wire: modules loaded relative to the config file (ES
 * module and TypeScript, bare, entries and arrays, per alias), the request after middleware
 * recorded, and every bad module one line naming the file, the key path and the module, exit 2.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeProviderServer, step, type FakeProviderServer } from "../support/fake-provider-server.js";

const repo = resolve(import.meta.dirname, "../..");
const cli = join(repo, "core/bin/escapement.mjs");
const work = mkdtempSync(join(tmpdir(), "escapement-config-middleware-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const key = "sk-local-test-8d1e4b7a20";

let server: FakeProviderServer;
beforeEach(async () => (server = await startFakeProviderServer()));
afterEach(() => server.close());

function escapement(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, LOCAL_KEY: key }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const deadline = setTimeout(() => (child.kill("SIGKILL"), fail(new Error(`timed out\n${stderr}`))), 60_000);
    child.on("exit", (code) => (clearTimeout(deadline), done({ code, stdout, stderr })));
  });
}

/** One conversation that greets; a model failure ends the run (in the final state `failed`). */
const chart = `import { setup } from "xstate";
import { z } from "zod";
import { converse, defineChart, inlineActors } from "@escapement/core";

const machine = setup({ actors: inlineActors }).createMachine({
  id: "greet",
  initial: "greeting",
  states: {
    greeting: {
      invoke: converse({
        id: "greeter",
        system: "You greet people warmly in one short sentence.",
        message: "Greet the world, then report the greeting with the greeting_done tool.",
        realTools: [],
        allowedEvents: { "greeting.done": { schema: z.object({ greeting: z.string() }), description: "report the greeting" } },
      }),
      on: { "greeting.done": "done", "error.llm.*": "failed" },
    },
    done: { type: "final" },
    failed: { type: "final" },
  },
});
export default defineChart({ id: "greet", machine });
`;

/** Where the running core finds a package (its own copy, which the chart must share). */
const coreRequire = createRequire(join(repo, "core/package.json"));
const installed = (name: string): string => realpathSync(dirname(coreRequire.resolve(`${name}/package.json`)));

/**
 * A project whose config names `middleware`, with `modules` (path -> source) beside it in mw/ and
 * `chart` as its chart. Its node_modules link the running core and the xstate and zod
 * it uses, as an installed project has them.
 */
function project(middleware: unknown[], modules: Record<string, string>): string {
  const dir = mkdtempSync(join(work, "project-"));
  mkdirSync(join(dir, "node_modules", "@escapement"), { recursive: true });
  symlinkSync(join(repo, "core"), join(dir, "node_modules", "@escapement", "core"), "dir");
  for (const name of ["xstate", "zod"]) symlinkSync(installed(name), join(dir, "node_modules", name), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "middleware-project", private: true, type: "module" }));
  writeFileSync(join(dir, "chart.ts"), chart);
  mkdirSync(join(dir, "mw"));
  for (const [name, source] of Object.entries(modules)) writeFileSync(join(dir, "mw", name), source);
  const config = {
    aliases: { default: [{ provider: "local", model: "test-model" }], spare: [{ provider: "local", model: "spare-model" }] },
    credentials: [{ name: "local", kind: "anthropic", baseURL: `${server.url}/v1`, apiKeyEnv: "LOCAL_KEY" }],
    middleware,
  };
  writeFileSync(join(dir, ".escapement.json"), JSON.stringify(config, null, 2));
  return dir;
}

/** A module whose default export puts `text` first in the system prompt. */
const noteModule = (text: string): string =>
  `export default {
  specificationVersion: "v3",
  transformParams: async ({ params }) => ({ ...params, prompt: [{ role: "system", content: ${JSON.stringify(text)} }, ...params.prompt] }),
};
`;

const systemOf = (body: { system?: string | Array<{ text: string }> }): string =>
  typeof body.system === "string" ? body.system : (body.system ?? []).map((block) => block.text).join("\n");

const rowsOf = (session: string): Array<{ event: string; data: Record<string, unknown> }> =>
  readFileSync(join(session, "transcript.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));

describe("escapement run with config middleware", () => {
  it("loads the modules relative to the config file and applies them to the models of their aliases; llm/response names what was sent", async () => {
    const dir = project(["./mw/house.mjs", { module: "mw/spare-only.mjs", aliases: ["spare"] }, { module: "./mw/pair.mts", aliases: ["default"] }], {
      "house.mjs": noteModule("HOUSE NOTE"),
      "spare-only.mjs": noteModule("SPARE NOTE"),
      // TypeScript, an array of an entry and a bare middleware.
      "pair.mts": `const add = (text: string) => ({
  specificationVersion: "v3" as const,
  transformParams: async ({ params }: { params: { prompt: unknown[] } }) => ({ ...params, prompt: [{ role: "system", content: text }, ...params.prompt] }),
});
export default [{ name: "typed", middleware: add("TYPED NOTE") }, add("BARE NOTE")];
`,
    });
    server.enqueue(step.tool("toolu_1", "greeting_done", { greeting: "Hello!" }));
    const session = join(dir, "session");
    const result = await escapement(["run", "chart.ts", "--no-tui", "--session-dir", session], dir);
    expect(result.code, result.stderr).toBe(0);
    const system = systemOf(server.requests[0]!.body);
    expect(system).toContain("HOUSE NOTE");
    expect(system).toContain("TYPED NOTE");
    expect(system).toContain("BARE NOTE");
    expect(system).not.toContain("SPARE NOTE");

    const response = rowsOf(session).find((row) => row.event === "llm/response")!.data;
    expect(response.sentRef).toEqual(expect.stringMatching(/^io\.jsonl#/));
    const io = readFileSync(join(session, "io.jsonl"), "utf8");
    const sent = io
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { name: string; payload: { prompt?: Array<{ role: string; content: unknown }> } })
      .find((blob) => blob.name.endsWith("-sent"))!.payload;
    // The first in the list sees the request first: its note ends up nearest the original prompt.
    expect(sent.prompt!.filter((message) => message.role === "system").map((message) => message.content)).toEqual([
      "BARE NOTE",
      "TYPED NOTE",
      "HOUSE NOTE",
      "You greet people warmly in one short sentence.",
    ]);
    expect(io).not.toContain(key);

    // `refine` asks the turn again through the same middleware.
    server.enqueue(step.text("A warmer hello."));
    const refined = await escapement(["refine", session, "--turn", "greeting/1/1", "--temperature", "0.9"], dir);
    expect(refined.code, refined.stderr).toBe(0);
    expect(systemOf(server.requests[1]!.body)).toContain("TYPED NOTE");
  });

  it("a middleware of the config that throws fails the call naming its module", async () => {
    const dir = project(["./mw/boom.mjs"], {
      "boom.mjs": `export default { specificationVersion: "v3", transformParams: async () => { throw new Error("no rules loaded"); } };\n`,
    });
    const session = join(dir, "session");
    const result = await escapement(["run", "chart.ts", "--no-tui", "--session-dir", session], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "done", finalConfig: ["failed"] });
    expect(server.requests).toHaveLength(0);
    const error = rowsOf(session).find((row) => row.event === "llm/error")!.data;
    expect(error).toMatchObject({
      category: "invalid-request",
      message: expect.stringContaining('middleware "./mw/boom.mjs" failed in transformParams: no rules loaded'),
    });
  });

  const refused = async (middleware: unknown[], modules: Record<string, string>): Promise<string> => {
    const dir = project(middleware, modules);
    const result = await escapement(["run", "chart.ts", "--no-tui", "--session-dir", join(dir, "session")], dir);
    expect(result.code, result.stderr).toBe(2);
    expect(server.requests).toHaveLength(0);
    const lines = result.stderr.trim().split("\n");
    expect(lines, result.stderr).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    return lines[0]!;
  };

  it("a bad module is one line naming the config file, the key path and the module, exit 2", async () => {
    expect(await refused(["./mw/house.mjs", "./mw/missing.mjs"], { "house.mjs": noteModule("x") })).toMatch(
      /^escapement: \.escapement\.json: middleware\[1\]: module \.\/mw\/missing\.mjs not found \(resolved to .*missing\.mjs\)$/,
    );
    expect(await refused([{ module: "./mw/throws.mjs" }], { "throws.mjs": `throw new Error("no rules file at /etc/rules");\n` })).toBe(
      "escapement: .escapement.json: middleware[0].module: module ./mw/throws.mjs failed to load: no rules file at /etc/rules",
    );
    expect(await refused(["./mw/syntax.mjs"], { "syntax.mjs": "export default {\n" })).toMatch(
      /^escapement: \.escapement\.json: middleware\[0\]: module \.\/mw\/syntax\.mjs failed to load: /,
    );
    expect(await refused(["./mw/plain.mjs"], { "plain.mjs": "export default { hello: 1 };\n" })).toBe(
      "escapement: .escapement.json: middleware[0]: module ./mw/plain.mjs default export is no model middleware: a middleware needs transformParams, wrapGenerate or wrapStream (functions)",
    );
    expect(await refused(["./mw/none.mjs"], { "none.mjs": "export const middleware = {};\n" })).toContain(
      "middleware[0]: module ./mw/none.mjs has no default export",
    );
    expect(
      await refused(["./mw/aliased.mjs"], {
        "aliased.mjs": `export default { aliases: ["fsat"], middleware: { transformParams: async ({ params }) => params } };\n`,
      }),
    ).toContain('middleware[0]: module ./mw/aliased.mjs default export names unknown alias "fsat"');
    expect(await refused([{ module: "./mw/house.mjs", aliases: ["sapre"] }], { "house.mjs": noteModule("x") })).toContain(
      'middleware[0].aliases[0]: unknown alias "sapre" (known: default, spare); did you mean "spare"?',
    );
  });
});
