/**
 * Running the examples the way their READMEs and `npm start` do leaves the checkout as it was:
 * sessions go to `.escapement/` (ignored) or a `--session-dir`, and files the model's tools write go
 * to a `--work-dir` or a scratch directory, never into the repository.
 *
 * The runs happen in a copy of the checkout's tracked files (uncommitted changes included),
 * committed there so that `git status` shows whatever a run added or changed. The copy uses this
 * checkout's node_modules and core build through symlinks.
 */
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..");
const work = mkdtempSync(join(tmpdir(), "escapement-clean-"));
const checkout = join(work, "checkout");
const scratch = join(work, "scratch");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Linked into the copy, so they are not part of what the runs may change. */
const linked = ["node_modules", "core/dist"];

const cli = "node core/bin/escapement.mjs";

/** Each example's commands, run in order in the copy (`cwd` relative to the scratch directory). */
const commands: Record<string, { command: string; cwd?: string }[]> = {
  "haiku-tournament": [
    { command: "npm start -- --no-tui" },
    { command: `${cli} run examples/haiku-tournament --no-tui --session-dir "$SCRATCH/haiku"` },
    { command: `${cli} run examples/haiku-tournament --no-tui --script examples/haiku-tournament/script.json --session-dir "$SCRATCH/haiku-rec"` },
    { command: `${cli} run examples/haiku-tournament --no-tui --replay examples/haiku-tournament/cassette.jsonl` },
  ],
  hello: [
    { command: `${cli} run examples/hello --no-tui --session-dir "$SCRATCH/hello"` },
    { command: `${cli} run examples/hello --no-tui --param name=Grace` },
  ],
  ask: [
    { command: `printf 'Ada\\n2\\ny\\n' | ${cli} run examples/ask --no-tui --session-dir "$SCRATCH/ask"` },
    { command: `printf 'Ada\\n2\\ny\\n' | ${cli} run examples/ask --no-tui` },
  ],
  artifacts: [{ command: `${cli} run examples/artifacts --no-tui --session-dir "$SCRATCH/artifacts"` }],
  parallel: [{ command: `${cli} run examples/parallel --no-tui --session-dir "$SCRATCH/parallel"` }],
  scan: [{ command: `${cli} run examples/scan --no-tui --session-dir "$SCRATCH/scan"` }],
  iterate: [
    { command: `${cli} run examples/iterate --no-tui --work-dir "$SCRATCH/fizz"` },
    { command: `${cli} run examples/iterate --no-tui --work-dir "$SCRATCH/fizz" --param maxAttempts=1` },
    { command: `node "$CHECKOUT/core/bin/escapement.mjs" run "$CHECKOUT/examples/iterate" --no-tui`, cwd: "fizz-cwd" },
  ],
};

/** The environment without git's or npm's variables from whatever started the tests (a hook, `npm test`). */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(GIT_|npm_)/i.test(name)));
/** git with neither the user's nor the system's config (a global excludes file would hide files). */
const gitEnv = {
  ...cleanEnv,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "escapement",
  GIT_AUTHOR_EMAIL: "escapement@example.invalid",
  GIT_COMMITTER_NAME: "escapement",
  GIT_COMMITTER_EMAIL: "escapement@example.invalid",
};
const git = (cwd: string, args: string[]): string => execFileSync("git", args, { cwd, env: gitEnv, encoding: "utf8", maxBuffer: 64 << 20 });

function copyCheckout(): void {
  const tracked = git(repo, ["ls-files", "-z"]).split("\0").filter(Boolean);
  for (const file of tracked) {
    const from = join(repo, file);
    const to = join(checkout, file);
    if (!existsSync(from) && !isLink(from)) continue; // deleted in the working tree
    mkdirSync(dirname(to), { recursive: true });
    if (isLink(from)) symlinkSync(readlinkSync(from), to);
    else copyFileSync(from, to);
  }
  for (const path of linked) symlinkSync(join(repo, path), join(checkout, path));
  git(checkout, ["-c", "init.defaultBranch=main", "init", "-q"]);
  // A symlink is not matched by a `dir/` ignore rule.
  writeFileSync(join(checkout, ".git/info/exclude"), linked.map((path) => `/${path}\n`).join(""));
  git(checkout, ["add", "-A"]);
  git(checkout, ["commit", "-q", "--no-verify", "--no-gpg-sign", "-m", "checkout"]);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Runs one command with `sh` (stdin closed unless piped in the command, stdout not a terminal). */
function sh(command: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn("sh", ["-c", command], {
      cwd,
      env: { ...cleanEnv, SCRATCH: scratch, CHECKOUT: checkout },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const deadline = setTimeout(() => {
      process.kill(-child.pid!, "SIGKILL");
      fail(new Error(`${command} did not finish within 30 s\nstderr:\n${stderr}`));
    }, 30_000);
    child.on("error", (error) => {
      clearTimeout(deadline);
      fail(error);
    });
    child.on("close", (code) => {
      clearTimeout(deadline);
      done({ code, stdout, stderr });
    });
  });
}

async function runExample(example: string): Promise<void> {
  for (const { command, cwd } of commands[example]!) {
    const dir = cwd === undefined ? checkout : join(scratch, cwd);
    mkdirSync(dir, { recursive: true });
    const ran = await sh(command, dir);
    expect(ran.code, `${example}: ${command}\nstderr:\n${ran.stderr}`).toBe(0);
    const result = ran.stdout.trim().split("\n").at(-1)!;
    expect(JSON.parse(result), `${example}: ${command}`).toMatchObject({ status: "done" });
  }
}

/** Paths `git status` reports in the copy, ignored ones included, less the linked ones and the sessions. */
function leftBehind(): string[] {
  return git(checkout, ["status", "--porcelain", "-z", "--ignored", "--untracked-files=all"])
    .split("\0")
    .filter(Boolean)
    .filter((entry) => {
      const path = entry.slice(3);
      return !linked.includes(path.replace(/\/$/, "")) && !path.startsWith(".escapement/");
    });
}

describe("the examples leave the checkout clean", () => {
  beforeAll(() => {
    mkdirSync(scratch, { recursive: true });
    copyCheckout();
  }, 30_000);

  it("every example has its commands here", () => {
    const examples = readdirSync(join(checkout, "examples"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(Object.keys(commands).sort()).toEqual(examples.sort());
  });

  it("npm start and every example's commands write only sessions, temp and work directories", async () => {
    // Two examples at a time; one example's commands in order (some share a work directory).
    const queue = Object.keys(commands);
    const worker = async (): Promise<void> => {
      for (let example = queue.shift(); example !== undefined; example = queue.shift()) await runExample(example);
    };
    // Both settle before anything is checked: a failure must not leave the other one running.
    const failed = (await Promise.allSettled([worker(), worker()])).find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;

    expect(leftBehind(), "the examples wrote into the checkout").toEqual([]);
    // The runs without --session-dir made sessions in the checkout, and git ignores them.
    expect(readdirSync(join(checkout, ".escapement")).length).toBeGreaterThan(0);
    expect(git(checkout, ["check-ignore", ".escapement/"]).trim()).toBe(".escapement/");
  });
});
