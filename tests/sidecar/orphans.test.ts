/**
 * The UI never outlives what it shows: it exits, restoring the terminal, when its terminal goes
 * (the tmux session killed: SIGHUP; a replay's core goes with it), when the process that started it
 * (`--parent-pid`) is gone, and when the core is gone for good (the connection lost past the 10 s
 * reconnect window).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { attachTui, repo, startCore, tuiPid, type Core } from "./attach.js";
import { hasTmux, killPanes, openPane, until, type Pane } from "./tmux.js";

const work = mkdtempSync(join(tmpdir(), "escapement-orphans-"));
const panes: Pane[] = [];
const cores: Core[] = [];

afterEach(() => {
  for (const core of cores.splice(0)) core.kill();
  for (const pane of panes.splice(0)) pane.kill();
});
afterAll(() => {
  killPanes();
  rmSync(work, { recursive: true, force: true });
});

const pane = (name: string) => {
  const p = openPane(name, { cwd: repo, width: 120, height: 36 });
  panes.push(p);
  return p;
};

/** Every process whose command line names `path` (a replay's core and its UI), with its pid. */
const processesNaming = (path: string): string[] => {
  try {
    return execFileSync("pgrep", ["-a", "-f", "--", `${path}( |$)`], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.trim() !== "");
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

/** The terminal is back to normal: main screen, cursor shown, no mouse reporting. */
const expectScreenRestored = (p: Pane) => expect(p.format("#{alternate_on} #{cursor_flag} #{mouse_any_flag}")).toBe("0 1 0");

describe.skipIf(!hasTmux)("no orphans", () => {
  // A live run whose terminal closes: tests/sidecar/no-orphans.test.ts.
  it("escapement open in a terminal that is closed (tmux kill-session): nothing of ours is left within 3 s", async () => {
    const session = join(work, "replayed");
    const recorded = spawnSync(process.execPath, ["core/bin/escapement.mjs", "run", "examples/hello", "--no-tui", "--session-dir", session], {
      cwd: repo,
      encoding: "utf8",
    });
    expect(recorded.status, recorded.stderr).toBe(0);
    const p = pane("replay-closed");
    p.run(`node core/bin/escapement.mjs open ${session} --timing paced --interval 1000; echo EXIT=$?`);
    await p.waitForScreen("▶ playing", "the replay playing in the UI", 15_000);
    const ours = () => processesNaming(session);
    expect(ours().length).toBeGreaterThanOrEqual(2);
    p.kill();
    await until(
      () => ours().length === 0,
      "the core and the UI of the replay to be gone",
      3_000,
      () => ours().join("\n"),
    );
  });

  it("the process named by --parent-pid ends: the UI exits (code 3) with one line, the terminal restored", async () => {
    const core = await startCore(join(work, "parent"));
    cores.push(core);
    const parent = spawn("sleep", ["600"], { stdio: "ignore" });
    const p = pane("parent");
    attachTui(p, core, `--parent-pid ${parent.pid}`);
    await p.waitForScreen("Who is this run for?", "the name prompt in the UI");
    parent.kill("SIGKILL");
    const screen = await p.waitForScreen("EXIT=3", "the UI's exit", 5_000);
    expect(screen).toContain(`escapement-tui: the core that started this UI (pid ${parent.pid}) is gone`);
    expect(screen).not.toMatch(/\n\s+at /);
    expectScreenRestored(p);
  });

  it("the core killed: the UI retries for 10 s, counting down in the header, then exits (code 3) saying so", async () => {
    const core = await startCore(join(work, "core-gone"));
    cores.push(core);
    const p = pane("core-gone");
    attachTui(p, core);
    await p.waitForScreen("Who is this run for?", "the name prompt in the UI");
    const killedAt = Date.now();
    core.kill();
    await p.waitForScreen(/◌ reconnecting \(\d+\) · gives up in \d+s/, "the countdown in the header", 5_000);
    const screen = await p.waitForScreen("EXIT=3", "the UI's exit", 15_000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(9_000);
    expect(screen).toMatch(new RegExp(`escapement-tui: lost the core at ${core.info.url.replace(/[.]/g, "\\.")}: no connection for 10 s \\(`));
    expectScreenRestored(p);
  }, 40_000);

  it("SIGHUP to the UI: it exits at once (code 129)", async () => {
    const core = await startCore(join(work, "hup"));
    cores.push(core);
    const p = pane("hup");
    attachTui(p, core);
    await p.waitForScreen("Who is this run for?", "the name prompt in the UI");
    const pid = await until(() => tuiPid(core.info.url), "the UI's pid");
    process.kill(pid, "SIGHUP");
    await p.waitForScreen("EXIT=129", "the UI's exit", 3_000);
    expectScreenRestored(p);
  });
});
