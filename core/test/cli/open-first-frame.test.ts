/**
 * `escapement open <session> --emit-wire`, the command line main.ts runs without the command-line
 * parser: it writes what the parser's way writes, and its first frame waits for neither commander,
 * nor the declarations of every command, nor the wire's validators.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { plainEmitWireSession } from "../../src/cli/open-argv.js";

const coreDir = fileURLToPath(new URL("../../", import.meta.url));

describe("the command line open runs without the parser", () => {
  it.each([
    [["open", "s-1", "--emit-wire"], "s-1"],
    [["open", "--emit-wire", "./sessions/s 2"], "./sessions/s 2"],
    [["open", "", "--emit-wire"], ""],
  ])("%j: the session", (argv, session) => {
    expect(plainEmitWireSession(argv)).toBe(session);
  });

  it.each([
    [["open", "s-1"]],
    [["open", "s-1", "--emit-wire", "--timing", "paced"]],
    [["open", "s-1", "--emit-wire=1"]],
    [["open", "--help", "--emit-wire"]],
    [["open", "-", "--emit-wire"]],
    [["open", "--emit-wire", "--"]],
    [["open", "--emit-wire", "--emit-wire"]],
    [["show", "s-1", "--emit-wire"]],
    [["open", "s-1", "--listen"]],
  ])("%j: left to the parser", (argv) => {
    expect(plainEmitWireSession(argv)).toBeUndefined();
  });
});

/** A small session: a run that starts, moves, streams a reply, asks, and ends. */
function session(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "escapement-open-plain-")), "s");
  mkdirSync(dir);
  const rows: [string, unknown][] = [
    ["runner/started", { sessionId: "s", runId: "run-1", chartId: "plain", resumed: false }],
    ["runner/start-config", { config: ["talk"] }],
    ["llm/conversation-started", { invokeId: "a", stateId: "talk", model: "default", system: "Be brief." }],
    ["llm/delta", { invokeId: "a", turn: 1, text: "Hello" }],
    ["llm/delta", { invokeId: "a", turn: 1, text: " there." }],
    ["runner/event-processed", { event: "talk.done", before: ["talk"], after: ["done"], entered: ["done"], exited: ["talk"] }],
    ["runner/done", { finalConfig: ["done"], status: "done" }],
  ];
  const text = rows.map(([event, data], i) => JSON.stringify({ seq: i + 1, ts: 1_795_000_000_000 + i, event, data })).join("\n");
  writeFileSync(join(dir, "transcript.jsonl"), `${text}\n`);
  writeFileSync(join(dir, "session.json"), JSON.stringify({ sessionId: "s", chartId: "plain", chartModule: "", createdAt: 0, status: "done" }));
  return dir;
}

const run = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk) => (out += chunk));
  stderr.on("data", (chunk) => (err += chunk));
  const code = await main(argv, { cwd: tmpdir(), env: {}, stdin: new PassThrough(), stdout, stderr, stdoutIsTty: false });
  return { code, out, err };
};

describe("open <session> --emit-wire", () => {
  it("writes, byte for byte, what the parser's way writes (the same flags, spelled out)", async () => {
    const dir = session();
    const plain = await run(["open", dir, "--emit-wire"]);
    const parsed = await run(["open", dir, "--emit-wire", "--timing", "instant", "--speed", "1"]);
    expect(plain.code).toBe(0);
    expect(plain.out.split("\n")[0]).toContain('"kind":"hello"');
    expect(plain.out).toContain('"kind":"run-finished"');
    expect(plain).toEqual(parsed);
    expect(await run(["open", "--emit-wire", dir])).toEqual(parsed);
  });

  it("reports a bad session as the parser's way does: one line, exit 2", async () => {
    const missing = join(tmpdir(), "escapement-no-such-session", "s");
    const plain = await run(["open", missing, "--emit-wire"]);
    expect(plain.code).toBe(2);
    expect(plain.err).toMatch(/^escapement: .*no such session directory.*\n$/);
    expect(plain).toEqual(await run(["open", missing, "--emit-wire", "--timing", "instant"]));
  });
});

/** The modules and npm imports `entries` load before any dynamic import runs: their static imports, transitively. */
async function staticClosure(entries: string[]): Promise<{ modules: string[]; packages: string[] }> {
  const { metafile } = await build({
    entryPoints: entries.map((entry) => join(coreDir, entry)),
    absWorkingDir: coreDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    packages: "external",
    outdir: join(coreDir, "first-frame-out"),
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs: Metafile["inputs"] = metafile.inputs;
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (path: string): void => {
    if (modules.has(path)) return;
    modules.add(path);
    for (const dependency of inputs[path]?.imports ?? []) {
      if (dependency.kind !== "import-statement") continue;
      if (dependency.external) packages.add(dependency.path);
      else visit(dependency.path);
    }
  };
  for (const entry of entries) visit(relative(coreDir, join(coreDir, entry)));
  return { modules: [...modules], packages: [...packages] };
}

describe("what the first frame of open --emit-wire waits for", () => {
  it("main and open: no commander, no command declarations, only the light frames entry of the wire schema", async () => {
    const { modules, packages } = await staticClosure(["src/cli/main.ts", "src/cli/commands/open.ts"]);
    expect(packages.filter((name) => !name.startsWith("node:"))).toEqual(["@escapement/wire-schema/frames"]);
    expect(modules).toContain("src/replay/transcript-to-wire.ts");
    // Loaded once the hello has left: the sequencer (validators) and the line matchers.
    expect(modules).not.toContain("src/replay/replay-sequencer.ts");
    expect(modules).not.toContain("src/replay/plain-row-line.ts");
    expect(modules).not.toContain("src/cli/program.ts");
  });

  it("any other command line: the parser (the check can fail)", async () => {
    const { packages } = await staticClosure(["src/cli/program.ts"]);
    expect(packages).toContain("commander");
  });
});
