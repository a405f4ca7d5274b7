import { existsSync, realpathSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer as createSocketServer, type AddressInfo, type Server } from "node:net";
import { homedir, tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PermitFn } from "../../src/permissions/permission-target.js";
import { detectBwrap } from "../../src/tools/detect-bwrap.js";
import { sandboxArgs } from "../../src/tools/sandbox-args.js";
import { createShellRunTool, shellRunTool } from "../../src/tools/shell-run.js";
import type { ShellSandbox } from "../../src/tools/shell-sandbox.js";
import type { ToolContext } from "../../src/tools/tool.js";
import { tempDir, waitFor } from "./helpers.js";

const detection = await detectBwrap();
const bwrap = "path" in detection ? detection.path : undefined;
const linux = process.platform === "linux";

const allowAll: PermitFn = async () => ({ allowed: true, rule: "test: allow" });

/**
 * A fresh directory outside /tmp (which the sandbox replaces with its own), so that what lies
 * beside the work root is visible read-only rather than gone.
 */
const visibleDirs: string[] = [];
const visibleDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(linux && existsSync("/var/tmp") ? "/var/tmp" : tmpdir(), "escapement-sandbox-test-"));
  visibleDirs.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(visibleDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Pids of live processes whose command line contains `marker` (zombies have none). */
const processesWith = async (marker: string): Promise<number[]> => {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(marker)) pids.push(Number(entry));
  }
  return pids;
};

/** A node executable whose real path is not under /tmp (which the sandbox replaces), or undefined. */
const nodeOutsideTmp = (): string | undefined =>
  [process.execPath, ...(process.env["PATH"] ?? "").split(delimiter).map((dir) => join(dir, "node"))]
    .filter((path) => existsSync(path))
    .map((path) => realpathSync(path))
    .find((path) => !path.startsWith("/tmp/"));

/** A sleep no other process runs, to find (or not find) it afterwards. */
const uniqueSleep = (): string => `300.${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}`;

describe("detectBwrap", () => {
  // .ci/run installs bubblewrap and sets ESCAPEMENT_EXPECT_SANDBOX=1: there, a missing sandbox is a failure, not a skip.
  it.runIf(linux && process.env["ESCAPEMENT_EXPECT_SANDBOX"] === "1")("finds a working bwrap where CI installed bubblewrap", () => {
    expect(detection).toEqual({ path: expect.any(String) });
  });

  it.runIf(linux)("says bwrap is not on PATH when it is not", async () => {
    const empty = await tempDir();
    expect(await detectBwrap(empty)).toEqual({ unavailable: "bwrap is not on PATH (install the bubblewrap package)" });
  });

  it.runIf(linux)("probes bwrap and reports its own message when it cannot create a sandbox", async () => {
    const dir = await tempDir();
    const fake = join(dir, "bwrap");
    await writeFile(fake, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
    await chmod(fake, 0o755);
    expect(await detectBwrap(dir)).toEqual({ unavailable: `${fake} cannot create a sandbox here: bwrap: No permissions to create new namespace` });
  });
});

describe("sandboxArgs", () => {
  it("mounts shallowest first, so the deeper of a hidden path and a writable one wins, and skips missing paths", async () => {
    const base = await visibleDir();
    const work = join(base, "work");
    const session = join(base, "session");
    const childWork = join(session, "child-work");
    const secrets = join(work, ".secrets");
    const key = join(base, "key.json");
    await mkdir(secrets, { recursive: true });
    await mkdir(childWork, { recursive: true });
    await writeFile(key, "{}");
    await symlink(key, join(base, "key-link"));
    const sandbox: ShellSandbox = {
      bwrap: "bwrap",
      writable: [work, childWork],
      hidden: [secrets, session, join(base, "key-link"), join(base, "missing")],
      network: false,
    };
    expect(await sandboxArgs(sandbox, work, [])).toEqual([
      ...["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"],
      ...["--bind", work, work],
      ...["--tmpfs", session],
      ...["--ro-bind", "/dev/null", key],
      ...["--bind", childWork, childWork],
      ...["--tmpfs", secrets],
      ...["--remount-ro", session, "--remount-ro", secrets],
      ...["--unshare-all", "--setenv", "TMPDIR", "/tmp", "--die-with-parent", "--chdir", work],
    ]);
    expect(await sandboxArgs({ ...sandbox, network: true }, work, [])).toContain("--share-net");
  });
});

describe.skipIf(bwrap === undefined)("shell_run in a bubblewrap sandbox", () => {
  let base: string;
  let work: string;
  let outside: string;
  let session: string;
  let key: string;
  let sandbox: ShellSandbox;

  beforeEach(async () => {
    base = await visibleDir();
    work = join(base, "work");
    outside = join(base, "outside");
    session = join(base, "session");
    key = join(base, "key.json");
    await Promise.all([mkdir(work), mkdir(outside), mkdir(session)]);
    await writeFile(join(outside, "readme.txt"), "readable");
    await writeFile(join(session, "transcript.jsonl"), "SECRET-TRANSCRIPT");
    await writeFile(key, "SECRET-KEY");
    sandbox = { bwrap: bwrap!, writable: [work], hidden: [session, key], network: false };
  });

  const inSandbox = (overrides: Partial<ToolContext> = {}): ToolContext => ({
    workDir: work,
    signal: new AbortController().signal,
    permit: allowAll,
    sandbox,
    ...overrides,
  });

  it("writes inside the work root and passes output and exit status through", async () => {
    const result = await shellRunTool.execute({ command: "mkdir -p sub/deep && echo made > sub/deep/file.txt && echo out; echo err >&2; exit 3" }, inSandbox());
    expect(result).toMatchObject({ isError: true, output: "out\n[stderr]\nerr\n[exit code 3]", meta: { sandboxed: true, exitCode: 3 } });
    expect(await readFile(join(work, "sub", "deep", "file.txt"), "utf8")).toBe("made\n");
    const inSub = await shellRunTool.execute({ command: "pwd", cwd: "sub" }, inSandbox());
    expect(inSub.output).toBe(`${join(work, "sub")}\n[exit code 0]`);
  });

  it("cannot write outside the work root: beside it, /etc, $HOME", async () => {
    const home = homedir();
    const targets = [
      join(outside, "new.txt"),
      "/etc/escapement-sandbox-test",
      ...(relative(tmpdir(), home).startsWith("..") ? [join(home, "escapement-sandbox-test")] : []),
    ];
    const command = [`cat ${join(outside, "readme.txt")}; echo`, ...targets.map((target) => `echo x > ${target}`), `rm ${join(outside, "readme.txt")}`].join(
      "; ",
    );
    const result = await shellRunTool.execute({ command }, inSandbox());
    expect(result.output.split("\n")[0]).toBe("readable");
    for (const target of targets) {
      expect(result.output).toContain(`${target}: Read-only file system`);
      expect(existsSync(target)).toBe(false);
    }
    expect(result.output).toContain("Read-only file system");
    expect(await readFile(join(outside, "readme.txt"), "utf8")).toBe("readable");
  });

  it("makes temporary files in its private /tmp, whatever TMPDIR the host set", async () => {
    const result = await shellRunTool.execute({ command: 'f=$(mktemp) && echo "made $f"' }, inSandbox({ env: { ...process.env, TMPDIR: outside } }));
    expect(result.output).toMatch(/^made \/tmp\/tmp\.\w+\n\[exit code 0\]$/);
    expect(await readdir(outside)).toEqual(["readme.txt"]);
  });

  it("hides the session directory (an empty, read-only directory) and key files (unreadable)", async () => {
    const command = `ls -A ${session}; echo "[listed]"; cat ${join(session, "transcript.jsonl")}; echo x > ${join(session, "new")}; cat ${key}; echo x > ${key}`;
    const result = await shellRunTool.execute({ command }, inSandbox());
    expect(result.output.startsWith("[listed]\n")).toBe(true);
    expect(result.output).not.toContain("SECRET");
    expect(result.output).toContain(`${join(session, "transcript.jsonl")}: No such file or directory`);
    expect(result.output).toContain(`${join(session, "new")}: Read-only file system`);
    expect(result.output).toContain(`cat: ${key}: Permission denied`);
    expect(await readdir(session)).toEqual(["transcript.jsonl"]);
    expect(await readFile(key, "utf8")).toBe("SECRET-KEY");
  });

  it("keeps a hidden directory inside the work root hidden, and a work root inside a hidden directory writable", async () => {
    await mkdir(join(work, ".secrets"));
    await writeFile(join(work, ".secrets", "token"), "SECRET-TOKEN");
    const childWork = join(session, "child-work");
    await mkdir(childWork);
    const nested: ShellSandbox = { ...sandbox, writable: [work, childWork], hidden: [session, join(work, ".secrets")] };
    const result = await shellRunTool.execute(
      { command: `cat .secrets/token; echo x > ${join(childWork, "made.txt")}; ls -A ${session}` },
      inSandbox({ sandbox: nested }),
    );
    expect(result.output).not.toContain("SECRET");
    expect(result.output).toContain(".secrets/token: No such file or directory");
    expect(result.output.startsWith("child-work\n")).toBe(true);
    expect(await readFile(join(childWork, "made.txt"), "utf8")).toBe("x\n");
  });

  it("gives the command a private, empty /tmp, and keeps a work root under /tmp writable", async () => {
    const tmpWork = await tempDir();
    const sibling = await tempDir();
    await writeFile(join(sibling, "other.txt"), "other");
    const marker = join(tmpdir(), `escapement-sandbox-private-${process.pid}`);
    const tool = createShellRunTool();
    const context = inSandbox({ workDir: tmpWork, sandbox: { ...sandbox, writable: [tmpWork] } });
    const first = await tool.execute({ command: `echo private > ${marker} && cat ${marker}; ls ${sibling}; echo ok > in-work.txt` }, context);
    expect(first.output).toContain("private\n");
    expect(first.output).toContain(`${sibling}': No such file or directory`);
    expect(existsSync(marker)).toBe(false);
    expect(await readFile(join(tmpWork, "in-work.txt"), "utf8")).toBe("ok\n");
    const second = await tool.execute({ command: `cat ${marker}` }, context);
    expect(second.output).toContain(`${marker}: No such file or directory`);
  });

  it("refuses a cwd outside the work root, also through a symlink", async () => {
    await symlink(outside, join(work, "link-out"));
    for (const cwd of ["../outside", "link-out", "/"]) {
      const result = await shellRunTool.execute({ command: "touch ran", cwd }, inSandbox());
      expect(result).toMatchObject({ isError: true, output: `cwd ${cwd} is outside the work root.` });
    }
    expect(existsSync(join(outside, "ran"))).toBe(false);
  });

  it("cannot reach a server on 127.0.0.1 without network, and can with network: true", async () => {
    const server = createHttpServer((_request, response) => response.end("hello"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const command = `exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`;
      const offline = await shellRunTool.execute({ command }, inSandbox());
      expect(offline.isError).toBe(true);
      expect(offline.output).not.toContain("connected");
      expect(offline.output).toContain("Connection refused");
      const online = await shellRunTool.execute({ command }, inSandbox({ sandbox: { ...sandbox, network: true } }));
      expect(online.output).toBe("connected\n[exit code 0]");
    } finally {
      server.close();
    }
  });

  it("hides a Unix socket listed as hidden (a read-only mount alone does not stop connect())", async (context) => {
    const socketPath = join(outside, "agent.sock");
    const server: Server = createSocketServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      // Inside the sandbox /tmp is a fresh tmpfs: a node installed under /tmp (as a test's own copy may be) is not there.
      const node = nodeOutsideTmp();
      if (node === undefined) return context.skip("no node executable outside /tmp");
      const connect = `${JSON.stringify(node)} -e 'require("net").connect(${JSON.stringify(socketPath)}).on("connect", () => { console.log("connected"); process.exit(0); }).on("error", (e) => { console.log(e.code); process.exit(1); })'`;
      const open = await shellRunTool.execute({ command: connect }, inSandbox());
      expect(open.output).toBe("connected\n[exit code 0]");
      const hidden = await shellRunTool.execute({ command: connect }, inSandbox({ sandbox: { ...sandbox, hidden: [socketPath] } }));
      expect(hidden.output).toBe("ECONNREFUSED\n[exit code 1]");
    } finally {
      server.close();
    }
  });

  it("kills background processes when the command returns", async () => {
    const sleep = uniqueSleep();
    const started = Date.now();
    const result = await shellRunTool.execute({ command: `sleep ${sleep} & echo started` }, inSandbox());
    expect(result.output).toBe("started\n[exit code 0]");
    expect(Date.now() - started).toBeLessThan(3000);
    await waitFor(async () => (await processesWith(sleep)).length === 0, 3000, "the background sleep to be gone");
  });

  it("kills what the command started in a new session (setsid), which a process-group kill would miss", async () => {
    const sleep = uniqueSleep();
    const result = await shellRunTool.execute({ command: `setsid sleep ${sleep} > /dev/null 2>&1 < /dev/null & echo started` }, inSandbox());
    expect(result.output).toBe("started\n[exit code 0]");
    await waitFor(async () => (await processesWith(sleep)).length === 0, 3000, "the setsid sleep to be gone");
  });

  it("on timeout kills the command and everything it started", async () => {
    const [background, foreground] = [uniqueSleep(), uniqueSleep()];
    const started = Date.now();
    const result = await createShellRunTool({ killGraceMs: 500 }).execute(
      { command: `echo started; sleep ${background} & sleep ${foreground}`, timeoutMs: 700 },
      inSandbox(),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({ isError: true, output: "started\n[timed out after 700 ms; the process group was killed]", meta: { timedOut: true } });
    await waitFor(async () => (await processesWith(background)).length + (await processesWith(foreground)).length === 0, 3000, "the sleeps to be gone");
  });

  it("on abort kills the command and everything it started", async () => {
    const sleep = uniqueSleep();
    const controller = new AbortController();
    const running = createShellRunTool({ killGraceMs: 500 }).execute({ command: `sleep ${sleep} & wait` }, inSandbox({ signal: controller.signal }));
    await waitFor(async () => (await processesWith(sleep)).length > 0, 5000, "the sleep to start");
    controller.abort();
    expect(await running).toMatchObject({ isError: true, output: "[aborted; the process group was killed]", meta: { aborted: true } });
    await waitFor(async () => (await processesWith(sleep)).length === 0, 3000, "the sleep to be gone");
  });

  it("spawns nothing when the permit refuses the command", async () => {
    const permit: PermitFn = async () => ({ allowed: false, rule: "test: deny", message: "permission denied: run `touch marker` (test: deny)" });
    const result = await shellRunTool.execute({ command: `touch ${join(work, "marker")}` }, inSandbox({ permit }));
    expect(result).toMatchObject({ isError: true, output: "permission denied: run `touch marker` (test: deny)", meta: { permission: "denied" } });
    expect(existsSync(join(work, "marker"))).toBe(false);
  });
});
