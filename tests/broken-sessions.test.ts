/**
 * Every CLI command over sessions broken the ways a crash, a disk or a hand breaks them, and over
 * paths the machine refuses: each command exits with a documented code and says what is wrong in
 * words. A stack trace is a bug's way of speaking, never the answer to a damaged input.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeFsFault, fsFaultOf } from "../core/src/runtime/fs-fault.js";
import { killAtMarker, repo, runCli, type CliRun } from "../core/test/examples/harness.js";

/** core/src/cli/exit-codes.ts */
const documentedCodes = [0, 1, 2, 3, 130];

/** The commands this sweep knows how to call; any other one `--help` lists is called as `<command> <session>`. */
const knownCommands = ["run", "info", "open", "refine", "list", "show", "stats", "export", "import", "delete", "help"];

const base = mkdtempSync(join(tmpdir(), "escapement-broken-"));
/** Read-only bind mounts made here, unmounted before the directory goes. */
const mounts: string[] = [];
afterAll(() => {
  for (const mount of mounts.reverse()) {
    try {
      execFileSync("umount", [mount], { stdio: "ignore" });
    } catch {
      execFileSync("umount", ["-l", mount], { stdio: "ignore" });
    }
  }
  rmSync(base, { recursive: true, force: true });
});

/** No model keys or config from the machine: nothing here may reach a live model. */
const env = { PATH: process.env["PATH"] ?? "", HOME: join(base, "home") };
const project = join(base, "project");
const sessionsRoot = join(project, ".escapement");
const example = (name: string): string => join(repo, "examples", name);

/** The CLI in `cwd` (default: a project whose `.escapement/` holds the broken sessions). */
const cliIn = (args: string[], options: { cwd?: string; input?: string } = {}): Promise<CliRun> =>
  runCli(args, { cwd: options.cwd ?? project, env, deadlineMs: 30_000, ...(options.input === undefined ? {} : { input: options.input }) });

/** One failure per broken promise, so a sweep reports every command that failed, not only the first. */
function problemsOf(label: string, run: CliRun): string[] {
  const problems: string[] = [];
  const said = `${label} -> exit ${run.code}\n${run.stderr}`;
  if (!documentedCodes.includes(run.code ?? -1)) problems.push(`undocumented exit code: ${said}`);
  for (const [stream, text] of [
    ["stderr", run.stderr],
    ["stdout", run.stdout],
  ] as const) {
    if (/^\s+at /m.test(text) || text.includes("node:internal")) problems.push(`stack trace on ${stream}: ${said}`);
  }
  if (run.code !== 0 && !/^(escapement|error): /m.test(run.stderr) && !/not deleted/.test(run.stderr)) {
    problems.push(`failed without saying why: ${said}`);
  }
  return problems;
}

/** Makes a read-only view of `source` at `target`; a reason when this machine does not allow it. */
function mountReadOnly(source: string, target: string): string | undefined {
  mkdirSync(target, { recursive: true });
  try {
    execFileSync("mount", ["--bind", source, target], { stdio: "pipe" });
  } catch (error) {
    return `bind mounts are not permitted here (${(error as Error).message.split("\n")[0]})`;
  }
  mounts.push(target);
  try {
    execFileSync("mount", ["-o", "remount,ro,bind", target], { stdio: "pipe" });
    writeFileSync(join(target, ".probe"), "");
  } catch {
    return undefined;
  }
  return "the bind mount stayed writable";
}

// The sessions every broken one is copied from: a finished run with a model turn, a run killed at
// a prompt (resumable), and a fleet with child sessions.
const sources = { done: join(base, "sources/done"), crashed: join(base, "sources/crashed"), fleet: join(base, "sources/fleet") };

/** Rewrites the last checkpoint record of a journal. */
function editLastCheckpoint(dir: string, edit: (record: { offset: number }) => void): void {
  const journal = join(dir, "checkpoints.jsonl");
  const lines = readFileSync(journal, "utf8").trimEnd().split("\n");
  const record = JSON.parse(lines.at(-1)!) as { offset: number };
  edit(record);
  lines[lines.length - 1] = JSON.stringify(record);
  writeFileSync(journal, `${lines.join("\n")}\n`);
}

/** Rows after the last one of a transcript, numbered on. */
function appendRows(dir: string, rows: { event: string; data?: unknown }[]): void {
  const transcript = join(dir, "transcript.jsonl");
  const lines = readFileSync(transcript, "utf8").trimEnd().split("\n");
  let seq = (JSON.parse(lines.at(-1)!) as { seq: number }).seq;
  appendFileSync(transcript, rows.map((row) => `${JSON.stringify({ seq: ++seq, ts: 1, ...row })}\n`).join(""));
}

interface BrokenCase {
  from: keyof typeof sources;
  damage?: (dir: string) => void;
  /** `show`, `stats`, `export` and `open --emit-wire` must still succeed (exit 0): the damage is one a reader tolerates. */
  readable?: boolean;
  /** A command left out of the sweep for this case, tested on its own below. */
  gap?: string;
}

const cases: Record<string, BrokenCase> = {
  intact: { from: "done", readable: true },
  crashed: { from: "crashed", readable: true },
  fleet: { from: "fleet", readable: true },
  "torn last line": { from: "crashed", readable: true, damage: (dir) => appendFileSync(join(dir, "transcript.jsonl"), '{"seq":99,"ts":1,"ev') },
  "garbage lines": {
    from: "done",
    readable: true,
    damage: (dir) => {
      const transcript = join(dir, "transcript.jsonl");
      const lines = readFileSync(transcript, "utf8").split("\n");
      lines.splice(2, 0, "\u0000\u0001 not json", "[]", "null", '{"seq":"x","ts":1,"event":"y"}', '{"seq":3,"ts":1e300,"event":"llm/request","data":null}');
      lines.splice(6, 0, '{"seq":4,"ts":-1e20,"event":"human-input/requested","data":"a string"}', '{"seq":5,"ts":1,"event":"runner/done"}');
      writeFileSync(transcript, lines.join("\n"));
    },
  },
  "bad refs": {
    from: "done",
    readable: true,
    damage: (dir) =>
      appendRows(dir, [
        { event: "x/ref", data: { ref: "../../../../etc/hostname" } },
        { event: "x/ref", data: { ref: "io.jsonl#offset=0&length=99999999999" } },
        { event: "x/ref", data: { ref: "io.jsonl#offset=99999999&length=10" } },
        { event: "x/ref", data: { ref: "io.jsonl#offset=-5&length=10" } },
        { event: "x/ref", data: { ref: "artifacts" } },
        { event: "x/ref", data: { ref: "children/nobody" } },
        { event: "x/ref", data: { ref: "" } },
      ]),
  },
  "no session.json": { from: "done", damage: (dir) => rmSync(join(dir, "session.json")) },
  "garbage session.json": { from: "done", damage: (dir) => writeFileSync(join(dir, "session.json"), "{ not json") },
  "session.json not a manifest": { from: "done", damage: (dir) => writeFileSync(join(dir, "session.json"), "[1, 2]") },
  "session.json is null": { from: "crashed", gap: "run --resume", damage: (dir) => writeFileSync(join(dir, "session.json"), "null") },
  "no io.jsonl": { from: "done", readable: true, damage: (dir) => rmSync(join(dir, "io.jsonl")) },
  "truncated io.jsonl": {
    from: "done",
    readable: true,
    damage: (dir) => truncateSync(join(dir, "io.jsonl"), Math.floor(statSync(join(dir, "io.jsonl")).size / 2)),
  },
  "no transcript": { from: "crashed", damage: (dir) => rmSync(join(dir, "transcript.jsonl")) },
  "transcript is a directory": {
    from: "done",
    damage: (dir) => {
      rmSync(join(dir, "transcript.jsonl"));
      mkdirSync(join(dir, "transcript.jsonl"));
    },
  },
  "checkpoint past the end": { from: "crashed", readable: true, damage: (dir) => editLastCheckpoint(dir, (record) => (record.offset += 10_000)) },
  "checkpoint mid-line": { from: "crashed", readable: true, damage: (dir) => editLastCheckpoint(dir, (record) => (record.offset -= 7)) },
  "garbage checkpoints": { from: "crashed", readable: true, damage: (dir) => writeFileSync(join(dir, "checkpoints.jsonl"), '{"seq":\n\u0000\u0000\n[]\n') },
  "fleet with broken children": {
    from: "fleet",
    readable: true,
    damage: (dir) => {
      const children = join(dir, "children");
      const [first, second, third] = readdirSync(children).sort();
      rmSync(join(children, first!, "session.json"));
      writeFileSync(join(children, second!, "session.json"), "null");
      appendFileSync(join(children, third!, "transcript.jsonl"), '{"seq":');
    },
  },
  "empty directory": { from: "done", damage: (dir) => readdirSync(dir).forEach((name) => rmSync(join(dir, name), { recursive: true })) },
  "read-only": { from: "crashed", readable: true },
};

/** Why the read-only case cannot run here, if it cannot. */
let readOnlySkip: string | undefined;
let turn = "greeting/1/1";
let extraCommands: string[] = [];

/** A fresh copy of a case, for the commands that change a session (resume, delete, ...). */
let copies = 0;
function freshCopy(name: string): string {
  if (name === "read-only") return join(sessionsRoot, name);
  const dir = join(base, "copies", String(++copies));
  mkdirSync(join(base, "copies"), { recursive: true });
  cpSync(join(sessionsRoot, name), dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  mkdirSync(env.HOME, { recursive: true });
  mkdirSync(sessionsRoot, { recursive: true });
  const [done, , fleet, help] = await Promise.all([
    cliIn(["run", example("hello"), "--no-tui", "--session-dir", sources.done]),
    killAtMarker(["run", example("ask"), "--no-tui", "--session-dir", sources.crashed], "(number or value)", { input: "Ada\n" }),
    cliIn(["run", example("haiku-tournament"), "--no-tui", "--session-dir", sources.fleet]),
    cliIn(["--help"]),
  ]);
  expect(done.code, done.stderr).toBe(0);
  expect(fleet.code, fleet.stderr).toBe(0);
  const listed = [...help.stdout.matchAll(/^ {2}([a-z][\w-]*)\b/gm)].map((match) => match[1]!);
  expect(listed).toEqual(expect.arrayContaining(knownCommands));
  extraCommands = listed.filter((command) => !knownCommands.includes(command));
  const request = readFileSync(join(sources.done, "transcript.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { event: string; data: { stateId?: string } })
    .find((row) => row.event === "llm/request");
  if (request?.data.stateId) turn = `${request.data.stateId}/1/1`;

  for (const [name, { from, damage }] of Object.entries(cases)) {
    if (name === "read-only") continue;
    const dir = join(sessionsRoot, name);
    cpSync(sources[from], dir, { recursive: true });
    damage?.(dir);
  }
  const readOnlySource = join(base, "read-only-source");
  cpSync(sources.crashed, readOnlySource, { recursive: true });
  readOnlySkip = mountReadOnly(readOnlySource, join(sessionsRoot, "read-only"));
}, 60_000);

describe("every command over a broken session: a documented exit code, no stack trace", () => {
  it.concurrent.for(Object.keys(cases))("%s", async (name, { skip }) => {
    if (name === "read-only") skip(readOnlySkip !== undefined, readOnlySkip);
    const dir = join(sessionsRoot, name);
    const problems: string[] = [];
    const call = async (label: string, args: string[], options: { cwd?: string; input?: string } = {}): Promise<CliRun> => {
      const run = await cliIn(args, options);
      if (label !== cases[name]!.gap) problems.push(...problemsOf(`${name}: ${label}`, run));
      return run;
    };
    const mustSucceed = (label: string, run: CliRun) => {
      if (cases[name]!.readable && run.code !== 0) problems.push(`${name}: ${label} should succeed, exit ${run.code}\n${run.stderr}`);
    };

    mustSucceed("show", await call("show", ["show", dir]));
    mustSucceed("show --content", await call("show --content", ["show", dir, "--content"]));
    mustSucceed("stats", await call("stats", ["stats", dir]));
    mustSucceed("open --emit-wire", await call("open --emit-wire", ["open", dir, "--emit-wire"]));
    await call("open", ["open", dir]);
    await call("refine", ["refine", dir, "--turn", turn]);
    const bundle = join(base, "exports", `${name.replace(/\W+/g, "-")}.jsonl`);
    mkdirSync(join(base, "exports"), { recursive: true });
    const exported = await call("export", ["export", dir, "-o", bundle]);
    mustSucceed("export", exported);
    if (exported.code === 0) {
      const into = join(base, "imports", name.replace(/\W+/g, "-"));
      mkdirSync(into, { recursive: true });
      const imported = await call("import", ["import", bundle], { cwd: into });
      mustSucceed("import", imported);
    }
    await call("run --resume", ["run", "--resume", freshCopy(name), "--no-tui"], { input: "2\ny\n" });
    await call("run into an existing session", ["run", example("hello"), "--no-tui", "--session-dir", freshCopy(name)]);
    await call("delete", ["delete", freshCopy(name), "--yes"]);
    for (const command of extraCommands) await call(command, [command, freshCopy(name)]);
    expect(problems).toEqual([]);
  });

  it("list, info and import of broken files", async () => {
    const problems: string[] = [];
    const call = async (label: string, args: string[], cwd = project): Promise<CliRun> => {
      const run = await cliIn(args, { cwd });
      problems.push(...problemsOf(label, run));
      return run;
    };
    const listed = await call("list", ["list"]);
    expect(listed.code, listed.stderr).toBe(0);
    // A session whose manifest cannot be read is left out and named; the others are listed.
    expect(listed.stdout).toMatch(/^\S+\s+hello\s+done\s+1\s/m);
    expect(listed.stdout).toMatch(/^\S+\s+haiku-tournament\s+done\s/m);
    expect(listed.stderr).toContain(join(sessionsRoot, "garbage session.json"));

    await call("info", ["info"]);
    const configured = join(base, "bad-config");
    mkdirSync(configured, { recursive: true });
    writeFileSync(join(configured, ".escapement.json"), "{ not json");
    await call("info with a broken config", ["info"], configured);
    await call("list with a broken config", ["list"], configured);

    const torn = join(base, "torn-export.jsonl");
    mkdirSync(join(base, "exports"), { recursive: true });
    const whole = await call("export", ["export", join(sessionsRoot, "intact"), "-o", join(base, "exports", "whole.jsonl")]);
    expect(whole.code, whole.stderr).toBe(0);
    const text = readFileSync(join(base, "exports", "whole.jsonl"), "utf8");
    writeFileSync(torn, text.slice(0, Math.floor(text.length / 2)));
    const target = join(base, "import-target");
    mkdirSync(target, { recursive: true });
    for (const [label, file] of [
      ["import of a torn export", torn],
      ["import of a directory", base],
      ["import of a missing file", join(base, "nothing-here.jsonl")],
      ["import of a transcript", join(sessionsRoot, "intact", "transcript.jsonl")],
    ] as const) {
      const run = await call(label, ["import", file], target);
      if (run.code !== 2) problems.push(`${label}: expected exit 2, got ${run.code}`);
    }
    expect(problems).toEqual([]);
  });
});

describe("known gaps", () => {
  // `run --resume` reads session.json through openSessionDir (runtime/session-dir.ts), which hands
  // on whatever JSON it holds: a `null` manifest fails as a TypeError with a stack.
  it("run --resume of a session whose session.json is null says so in one line", async () => {
    const run = await cliIn(["run", "--resume", freshCopy("session.json is null"), "--no-tui"]);
    expect(problemsOf("run --resume", run)).toEqual([]);
  });
});

describe("what a user sees", () => {
  it("show --content of a fleet points at each child session", async () => {
    const run = await cliIn(["show", join(sessionsRoot, "fleet"), "--content"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\(children\/(\S+): child session \1 \(chart \w+, status done\); its rows: escapement show \S+children\/\1\)/);
  });

  it("a resume of a read-only session is one line naming the file, exit 2", async ({ skip }) => {
    skip(readOnlySkip !== undefined, readOnlySkip);
    const run = await cliIn(["run", "--resume", join(sessionsRoot, "read-only"), "--no-tui"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^escapement: cannot write \S+read-only\/\S+: read-only file system \(EROFS\)$/m);
    expect(run.stderr.split("\n").filter((line) => line.startsWith("escapement:"))).toHaveLength(1);
  });

  it("a new session under a read-only directory is one line naming it, exit 2", async ({ skip }) => {
    skip(readOnlySkip !== undefined, readOnlySkip);
    const target = join(sessionsRoot, "read-only", "new", "session");
    const run = await cliIn(["run", example("hello"), "--no-tui", "--session-dir", target]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`escapement: cannot create directory ${target}: ${join(sessionsRoot, "read-only")} is on a read-only file system (EROFS)`);
  });

  it("--session-dir naming a file, or a path under one, is one line, exit 2", async () => {
    const file = join(base, "a-file");
    writeFileSync(file, "");
    const onFile = await cliIn(["run", example("hello"), "--no-tui", "--session-dir", file]);
    expect(onFile.code).toBe(2);
    expect(onFile.stderr).toContain(`escapement: cannot create directory ${file}: a file of that name is in the way (EEXIST)`);
    const under = await cliIn(["run", example("hello"), "--no-tui", "--session-dir", join(file, "session")]);
    expect(under.code).toBe(2);
    expect(under.stderr).toContain(`escapement: cannot create directory ${join(file, "session")}: ${file} is a file, not a directory (ENOTDIR)`);
    for (const run of [onFile, under]) expect(problemsOf("--session-dir", run)).toEqual([]);
  });

  it("--work-dir is made when missing; one that cannot be made stops the run before a session exists", async () => {
    const work = join(base, "work", "made", "here");
    const sessionDir = join(base, "work-sessions", "made");
    const made = await cliIn(["run", example("hello"), "--no-tui", "--session-dir", sessionDir, "--work-dir", work]);
    expect(made.code, made.stderr).toBe(0);
    expect(statSync(work).isDirectory()).toBe(true);

    const file = join(base, "work-file");
    writeFileSync(file, "");
    const refused = join(base, "work-sessions", "refused");
    const onFile = await cliIn(["run", example("hello"), "--no-tui", "--session-dir", refused, "--work-dir", file]);
    expect(onFile.code).toBe(2);
    expect(onFile.stderr).toContain(`escapement: --work-dir ${file}: cannot create directory ${file}: a file of that name is in the way (EEXIST)`);
    expect(existsSync(refused)).toBe(false);
    expect(problemsOf("--work-dir", onFile)).toEqual([]);
  });
});

describe("a file-system fault in one line", () => {
  /** The error Node throws for a failed call. */
  const errno = (code: string, syscall: string, path?: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: ${syscall}`), { code, syscall, ...(path === undefined ? {} : { path }) });

  it("says what was tried, where and why, for the faults root cannot provoke here", () => {
    const missing = join(base, "no-such-dir", "transcript.jsonl");
    expect(describeFsFault(errno("EACCES", "open", missing))).toBe(`cannot create ${missing}: permission denied (EACCES)`);
    const present = join(base, "present.jsonl");
    writeFileSync(present, "");
    expect(describeFsFault(errno("EACCES", "open", present))).toBe(`cannot write ${present}: permission denied (EACCES)`);
    expect(describeFsFault(errno("ENOSPC", "write", "/srv/s/io.jsonl"))).toBe("cannot write /srv/s/io.jsonl: no space left on device (ENOSPC)");
    expect(describeFsFault(errno("EROFS", "open", "/srv/s/wire.json"))).toBe("cannot write /srv/s/wire.json: read-only file system (EROFS)");
    expect(describeFsFault(errno("EMFILE", "open"))).toBe("cannot open a file: too many open files in this process (EMFILE)");
    expect(describeFsFault(Object.assign(errno("EXDEV", "rename", "/a"), { dest: "/b" }))).toBe(
      "cannot rename /a to /b: cannot move across file systems (EXDEV)",
    );
  });

  it("is found in an error's causes; a bug is not one", () => {
    const fault = errno("EACCES", "mkdir", "/srv/s");
    expect(fsFaultOf(new Error("starting the run failed", { cause: fault }))).toBe(fault);
    expect(fsFaultOf(new TypeError("x is undefined"))).toBeUndefined();
    expect(fsFaultOf(Object.assign(new Error("no syscall"), { code: "ENOENT" }))).toBeUndefined();
  });
});
