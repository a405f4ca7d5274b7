/** The permission policy through run(): rows, denials the model can act on, ask with and without a human. */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { PublicEvent } from "@escapement/wire-schema";
import { setup } from "xstate";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { converse, inlineActors } from "../../src/chart/index.js";
import { defineChart } from "../../src/engine/index.js";
import { run, type RunOptions } from "../../src/index.js";
import { ScriptedHuman } from "../../src/human/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import type { ReplyStep as ScriptedTurn } from "../../src/llm/script.js";
import { readAllRows, type TranscriptRow } from "../../src/runtime/index.js";
import type { PermissionRules } from "../../src/permissions/index.js";
import { builtinTools } from "../../src/tools/index.js";
import { removeAfter, tempDir } from "../lib/helpers.js";

const chartWith = (permissions?: PermissionRules) =>
  defineChart({
    id: "perm",
    machine: setup({ actors: inlineActors }).createMachine({
      id: "perm",
      initial: "working",
      states: {
        working: {
          invoke: converse({
            id: "worker",
            message: "Work.",
            ...(permissions ? { permissions } : {}),
            allowedEvents: { finish: { schema: z.object({}), description: "end" } },
          }),
          on: { finish: "done", "llm.idle": "done" },
        },
        done: { type: "final" },
      },
    }),
  });

const write = (path: string, content = "x"): ScriptedTurn => ({ toolCalls: [{ name: "fs_write", input: { path, content } }] });
const finish: ScriptedTurn = { events: [{ name: "finish", payload: {} }] };

async function runIn(options: Partial<RunOptions> & { turns: ScriptedTurn[] }) {
  const root = tempDir();
  const workDir = join(root, "work");
  mkdirSync(workDir);
  const events: PublicEvent[] = [];
  const { turns, ...rest } = options;
  const result = await run({
    chart: chartWith(),
    model: scriptedModel(turns),
    sessionDir: join(root, "session"),
    workDir,
    onEvent: (e) => events.push(e),
    ...rest,
  });
  removeAfter(root);
  const rows = await readAllRows(result.transcriptPath);
  const permissionRows = rows.filter((row) => row.event === "tool/permission").map((row) => row.data as Record<string, unknown>);
  const results = rows.filter((row) => row.event === "llm/tool-result").map((row) => row.data as Record<string, unknown>);
  return { root, workDir, result, rows, permissionRows, results, events };
}

describe("permissions in a run", () => {
  it("denies a write outside the work root as a tool error the model sees, writes nothing, and records the decision", async () => {
    const { root, result, permissionRows, results, events } = await runIn({ turns: [write("../escaped.txt"), write("inside.txt"), finish] });
    expect(result.status).toBe("done");
    expect(existsSync(join(root, "escaped.txt"))).toBe(false);
    expect(permissionRows[0]).toMatchObject({
      invokeId: "worker",
      tool: "fs_write",
      targetKind: "path",
      target: `write ${join(root, "escaped.txt")}`,
      decision: "deny",
      rule: "default: outside the work root → deny",
    });
    expect(results[0]).toMatchObject({ name: "fs_write", isError: true });
    expect(String(results[0]!.snippet)).toContain("permission denied");
    expect(permissionRows[1]).toMatchObject({ decision: "allow", rule: "default: inside the work root → allow" });
    expect(results[1]).toMatchObject({ isError: false });
    expect(events.filter((e) => e.type === "tool-permission").map((e) => (e as { decision?: string }).decision)).toEqual(["deny", "allow"]);
  });

  it("asks a human: allow once asks again next time, allow for this run does not, deny refuses", async () => {
    const human = new ScriptedHuman([{ value: "once" }, { value: "run" }, { value: "deny" }]);
    const turns = [write("a.txt"), write("a.txt"), write("a.txt"), write("a.txt"), write("b.txt"), finish];
    const { workDir, permissionRows, results } = await runIn({ turns, human, permissions: { fs_write: "ask" } });
    expect(human.asked).toHaveLength(3);
    expect(human.asked[0]).toMatchObject({ kind: "select", options: [{ value: "once" }, { value: "run" }, { value: "deny" }] });
    expect(human.asked[0]!.message).toContain("fs_write wants to write");
    expect(permissionRows.map((row) => [row.decision, row.rule, row.answer])).toEqual([
      ["allow", "human: allowed once", "once"],
      ["allow", "human: allowed for this run", "run"],
      ["allow", "human: allowed for this run", undefined],
      ["allow", "human: allowed for this run", undefined],
      ["deny", "human: denied (options.permissions: permissions.fs_write = ask)", "deny"],
    ]);
    expect(results.map((r) => r.isError)).toEqual([false, false, false, false, true]);
    expect(existsSync(join(workDir, "b.txt"))).toBe(false);
  });

  it("treats ask as deny when nobody can answer", async () => {
    const { permissionRows, results, result } = await runIn({ turns: [write("a.txt"), finish], permissions: { fs_write: "ask" } });
    expect(result.status).toBe("done");
    expect(permissionRows[0]).toMatchObject({ decision: "deny", asked: false, answer: "no-human" });
    expect(results[0]).toMatchObject({ isError: true });
  });

  it("checks tools that name no target as a whole, and applies a conversation's own rules over the run's", async () => {
    const where = { name: "where", description: "where", input: z.object({}), execute: async () => ({ output: "here" }) };
    const { permissionRows, results } = await runIn({
      chart: chartWith({ where: "deny", fs_write: { "notes/**": "deny" } }),
      tools: [...builtinTools, where],
      permissions: { where: "allow" },
      turns: [{ toolCalls: [{ name: "where", input: {} }] }, write("notes/n.txt"), finish],
    });
    expect(permissionRows[0]).toMatchObject({
      tool: "where",
      targetKind: "tool",
      target: "run",
      decision: "deny",
      rule: 'conversation "worker": permissions.where = deny',
    });
    expect(results[0]).toMatchObject({ isError: true });
    expect(permissionRows[1]).toMatchObject({ decision: "deny", rule: 'conversation "worker": permissions.fs_write["notes/**"] = deny' });
  });

  it("protects the sessions directory inside the work root", async () => {
    const root = tempDir();
    const sessions = join(root, ".escapement");
    const result = await run({
      chart: chartWith(),
      model: scriptedModel([write(".escapement/x/evil.txt"), { toolCalls: [{ name: "fs_read", input: { path: ".escapement" } }] }, finish]),
      sessionsRoot: sessions,
      workDir: root,
    });
    removeAfter(root);
    const rows: TranscriptRow[] = await readAllRows(result.transcriptPath);
    const decisions = rows.filter((r) => r.event === "tool/permission").map((r) => (r.data as { decision: string; rule: string }).rule);
    expect(decisions).toEqual(["default: .escapement is protected → deny", "default: .escapement is protected → deny"]);
    expect(existsSync(join(sessions, "x"))).toBe(false);
  });

  it("refuses rules that name no tool of the run, and malformed rules, before the run starts", async () => {
    const root = tempDir();
    removeAfter(root);
    await expect(run({ chart: chartWith(), model: scriptedModel([]), sessionDir: join(root, "s"), permissions: { fs_wirte: "deny" } })).rejects.toThrow(
      /options.permissions: permissions.fs_wirte: no tool named "fs_wirte" in this run/,
    );
    await expect(
      run({ chart: chartWith(), model: scriptedModel([]), sessionDir: join(root, "s2"), permissions: { fs_write: { "src/[a": "deny" } } }),
    ).rejects.toThrow(/permissions.fs_write\["src\/\[a"\]: malformed glob/);
    await expect(
      run({ chart: chartWith(), model: scriptedModel([]), sessionDir: join(root, "s3"), permissions: { fs_write: "maybe" as never } }),
    ).rejects.toThrow(/permissions/);
  });

  it("reads what web_fetch downloaded, although the session is protected", async () => {
    // The download directory is inside the protected session; reading it stays allowed.
    const root = tempDir();
    const sessionDir = join(root, "session");
    mkdirSync(join(sessionDir, "downloads"), { recursive: true });
    writeFileSync(join(sessionDir, "downloads", "page.html"), "<p>hi</p>\n");
    const result = await run({
      chart: chartWith(),
      model: scriptedModel([
        { toolCalls: [{ name: "fs_read", input: { path: join(sessionDir, "downloads", "page.html") } }] },
        { toolCalls: [{ name: "fs_read", input: { path: join(sessionDir, "session.json") } }] },
        finish,
      ]),
      sessionDir,
      workDir: join(root, "work"),
    });
    removeAfter(root);
    const rows = await readAllRows(result.transcriptPath);
    const decisions = rows.filter((r) => r.event === "tool/permission").map((r) => (r.data as { decision: string }).decision);
    expect(decisions).toEqual(["allow", "deny"]);
    expect(readFileSync(join(sessionDir, "downloads", "page.html"), "utf8")).toContain("hi");
  });
});
