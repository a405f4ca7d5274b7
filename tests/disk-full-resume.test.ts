/**
 * A session on a disk that fills up mid-run: the run stops with one clear `session-io … ENOSPC`
 * result and the manifest says `interrupted`; once the disk has room again, `--resume` reaches the
 * same end with a gap-free transcript. Then sessions whose files were tampered with are refused
 * (exit 2, naming `escapement repair`), and resume after `escapement repair`.
 *
 * The disk is a tmpfs mounted per trial, sized in 4 KiB pages so that the run fills it at a
 * different point each time; space is freed by remounting it bigger (the files stay). The tamper
 * cases copy an interrupted session to an ordinary directory first. Mounting needs root: where it
 * is not permitted the tests are skipped, saying why.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..");
const cli = join(repo, "core/bin/escapement.mjs");
const chart = join(repo, "core/test/engine/fixtures/relay");
const work = mkdtempSync(join(tmpdir(), "escapement-disk-full-"));
const mounted = new Set<string>();

const mount = (...args: string[]) => spawnSync("mount", args, { encoding: "utf8" });

/** A tmpfs of `kib` KiB at `dir`; throws with mount's message when it cannot. */
function mountTmpfs(dir: string, kib: number): void {
  mkdirSync(dir, { recursive: true });
  const result = mount("-t", "tmpfs", "-o", `size=${kib}k`, "tmpfs", dir);
  if (result.status !== 0) throw new Error(`mount -t tmpfs at ${dir}: ${(result.stderr || result.error?.message || "").trim()}`);
  mounted.add(dir);
}

function unmount(dir: string): void {
  if (mounted.delete(dir)) spawnSync("umount", [dir]);
}

/** Why a tmpfs cannot be mounted here, or undefined when it can. */
const cannotMount = ((): string | undefined => {
  const probe = join(work, "probe");
  try {
    mountTmpfs(probe, 4);
    unmount(probe);
    return undefined;
  } catch (error) {
    return `needs permission to mount a tmpfs (${(error as Error).message})`;
  }
})();

afterAll(() => {
  for (const dir of [...mounted]) unmount(dir);
  rmSync(work, { recursive: true, force: true });
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const deadline = setTimeout(() => (child.kill("SIGKILL"), fail(new Error(`timed out: escapement ${args.join(" ")}\n${stderr}`))), 30_000);
    child.on("close", (code) => {
      clearTimeout(deadline);
      done({ code, stdout, stderr });
    });
  });
}

interface ResultLine {
  status: string;
  finalConfig: string[];
  error?: { category: string; message: string };
}

/** The one JSON line `escapement run` prints on stdout. */
function resultOf(run: CliRun): ResultLine {
  const lines = run.stdout.split("\n").filter((line) => line.trim() !== "");
  expect(lines, `stdout should hold exactly one line; stderr:\n${run.stderr}`).toHaveLength(1);
  return JSON.parse(lines[0]!) as ResultLine;
}

/** The CLI's own error lines on stderr (`escapement: …`): a refusal is exactly one. */
const errorLines = (run: CliRun): string[] => run.stderr.split("\n").filter((line) => line.startsWith("escapement:"));

interface Row {
  seq: number;
  event: string;
  data: Record<string, any>;
}

const rowsOf = (dir: string): Row[] =>
  readFileSync(join(dir, "transcript.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row);

const statusOf = (dir: string): string => (JSON.parse(readFileSync(join(dir, "session.json"), "utf8")) as { status: string }).status;

/** The relay chart's end: every turn answered once, seq 1..N without a gap, one runner/done. */
function expectRelayDone(dir: string, resumed: CliRun): void {
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resultOf(resumed)).toMatchObject({ status: "done", finalConfig: ["done"] });
  const rows = rowsOf(dir);
  expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
  expect(rows.filter((row) => row.event === "runner/done")).toHaveLength(1);
  expect(rows.at(-1)).toMatchObject({ event: "runner/done", data: { status: "done", finalConfig: ["done"] } });
  const answered = new Set(rows.filter((row) => row.event === "llm/response").map((row) => `${row.data.invokeId}#${row.data.turn}`));
  expect([...answered].sort()).toEqual(["first#1", "first#2", "first#3", "first#4", "second#1", "second#2"]);
  expect(statusOf(dir)).toBe("done");
}

/** Runs the relay chart into a tmpfs of `pages` pages until the disk is full; the session is left on the mount. */
async function fillDisk(mnt: string, pages: number): Promise<{ session: string; first: CliRun }> {
  mountTmpfs(mnt, pages * 4);
  const session = join(mnt, "s");
  return { session, first: await run(["run", chart, "--no-tui", "--session-dir", session]) };
}

// Each size fills the disk at another point of the run: before the first checkpoint, mid-turn,
// while a blob, a row, a checkpoint record or the cassette line is being written. The whole session
// takes 10 pages; each size stays two short, so a slightly smaller session still fills it.
const pageCounts = [2, 3, 4, 5, 6, 7, 8];

describe("a full disk, then --resume", () => {
  it.for(pageCounts)("%i pages of disk: the run stops interrupted with one clear line; with room again --resume reaches done", async (pages, ctx) => {
    ctx.skip(cannotMount !== undefined, cannotMount);
    const mnt = join(work, `disk-${pages}`);
    try {
      const { session, first } = await fillDisk(mnt, pages);
      expect(first.code, first.stderr).toBe(1);
      const result = resultOf(first);
      expect(result).toMatchObject({ status: "error", error: { category: "session-io" } });
      expect(result.error!.message).toMatch(/ENOSPC/);
      expect(statusOf(session)).toBe("interrupted");

      expect(mount("-o", "remount,size=4m", mnt).status).toBe(0);
      let resumed = await run(["run", "--resume", session, "--no-tui"]);
      if (resumed.code === 2) {
        // The disk filled before the first checkpoint: nothing to continue from, and resume says so.
        expect(errorLines(resumed)).toEqual([expect.stringMatching(/has a transcript but no checkpoint.*run `escapement repair .*`$/)]);
        const repaired = await run(["repair", session]);
        expect(repaired.code, repaired.stderr).toBe(0);
        expect(repaired.stdout).toMatch(/starts the chart over/);
        resumed = await run(["run", "--resume", session, "--no-tui"]);
      }
      expectRelayDone(session, resumed);
    } finally {
      unmount(mnt);
    }
  });
});

type Tamper = (dir: string) => void;

/** Rewrites the journal's last whole checkpoint record. */
const editLastRecord =
  (edit: (record: { seq: number; offset: number }) => void): Tamper =>
  (dir) => {
    const path = join(dir, "checkpoints.jsonl");
    const lines = readFileSync(path, "utf8").split("\n");
    let index = lines.length - 1;
    const parses = (text: string) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    };
    while (!parses(lines[index]!)) index--;
    const record = JSON.parse(lines[index]!) as { seq: number; offset: number };
    edit(record);
    lines[index] = JSON.stringify(record);
    writeFileSync(path, lines.join("\n"));
  };

const tampers: [string, Tamper][] = [
  [
    "a line inserted before the checkpoint",
    (dir) => {
      const path = join(dir, "transcript.jsonl");
      const lines = readFileSync(path, "utf8").split("\n");
      lines.splice(5, 0, lines[0]!);
      writeFileSync(path, lines.join("\n"));
    },
  ],
  ["the checkpoint's offset moved back 7 bytes", editLastRecord((record) => (record.offset -= 7))],
  ["io.jsonl deleted", (dir) => rmSync(join(dir, "io.jsonl"))],
  ["io.jsonl truncated", (dir) => truncateSync(join(dir, "io.jsonl"), Math.floor(statSync(join(dir, "io.jsonl")).size / 3))],
  ["session.json garbage", (dir) => writeFileSync(join(dir, "session.json"), "\u0000\u0000 not a manifest")],
];

describe("a tampered session", () => {
  /** An interrupted session from a full disk, copied to an ordinary directory. */
  let interrupted: string;

  beforeAll(async () => {
    if (cannotMount) return;
    const mnt = join(work, "disk-tamper");
    try {
      const { session, first } = await fillDisk(mnt, 7);
      expect(resultOf(first).error?.category).toBe("session-io");
      interrupted = join(work, "interrupted");
      cpSync(session, interrupted, { recursive: true });
    } finally {
      unmount(mnt);
    }
    expect(statusOf(interrupted)).toBe("interrupted");
  });

  it.for(tampers)("%s: --resume refuses (exit 2, one line naming escapement repair); after repair it resumes to done", async ([name, tamper], ctx) => {
    ctx.skip(cannotMount !== undefined, cannotMount);
    const dir = join(work, name.replaceAll(/\W+/g, "-"));
    cpSync(interrupted, dir, { recursive: true });
    tamper(dir);
    // The chart is named: a manifest that is garbage no longer says which module ran.
    const refused = await run(["run", chart, "--resume", dir, "--no-tui"]);
    expect(refused.code, refused.stderr).toBe(2);
    expect(errorLines(refused)).toEqual([expect.stringContaining(`run \`escapement repair ${dir}\``)]);
    expect(refused.stdout).toBe("");

    const repaired = await run(["repair", dir]);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/^repaired session /);
    expect(repaired.stdout).toMatch(/everything cut or replaced was kept in .*repair-\d{8}-\d{6}/);
    if (/^resume: not possible/m.test(repaired.stdout)) {
      // Said clearly by repair, and resume agrees.
      const again = await run(["run", chart, "--resume", dir, "--no-tui"]);
      expect(again.code).toBe(2);
      return;
    }
    expect(repaired.stdout).toMatch(/^resume: `escapement run --resume .*` (continues from seq \d+|starts the chart over)/m);
    expectRelayDone(dir, await run(["run", chart, "--resume", dir, "--no-tui"]));
  });

  it("escapement repair on a path that is not a session: exit 2, one line", async () => {
    const repaired = await run(["repair", join(work, "no-such-session")]);
    expect(repaired.code).toBe(2);
    expect(errorLines(repaired)).toEqual([expect.stringMatching(/is not a session/)]);
  });
});
