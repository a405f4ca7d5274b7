/**
 * `escapement open` in a real terminal: a saved session plays in the same TUI, read-only, with
 * a REPLAY badge; pause and step move the playback; quitting restores the terminal and leaves the
 * session directory untouched.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasTmux, killPanes, openPane, until } from "./tmux.js";

const repo = resolve(import.meta.dirname, "../..");
const cli = join(repo, "core/bin/escapement.mjs");
const work = mkdtempSync(join(tmpdir(), "escapement-open-"));
afterAll(() => {
  killPanes();
  rmSync(work, { recursive: true, force: true });
});

const snapshotOf = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((name) => statSync(join(dir, name)).isFile())
      .map((name) => [name, readFileSync(join(dir, name), "utf8")]),
  );

describe.skipIf(!hasTmux)("escapement open in the terminal UI", () => {
  it("plays a saved session read-only with a REPLAY badge; pause and step move the playback", async () => {
    const session = join(work, "parallel");
    const recorded = spawnSync(process.execPath, [cli, "run", join(repo, "examples/parallel"), "--no-tui", "--session-dir", session], {
      cwd: repo,
      encoding: "utf8",
    });
    expect(recorded.status).toBe(0);
    const before = snapshotOf(session);

    const pane = openPane("open", { cwd: repo, width: 120, height: 40 });
    pane.run(`node ${cli} open ${session} --timing paced --interval 150; echo EXIT=$?`);
    await pane.waitForScreen("REPLAY", "the REPLAY badge");
    const seqOnScreen = () => Number(/seq\s+(\d+)/.exec(pane.screen())?.[1] ?? NaN);
    pane.keys("p");
    // Paused: the frame counter stops. Absence of progress can only be shown over time: two
    // readings a second apart (frames are 150 ms apart when playing).
    const pausedAt = await until(() => {
      const first = seqOnScreen();
      return Number.isFinite(first) ? first : undefined;
    }, "the seq in the inspector");
    await new Promise((r) => setTimeout(r, 1000));
    const stillAt = seqOnScreen();
    expect(stillAt).toBeGreaterThanOrEqual(pausedAt);
    await new Promise((r) => setTimeout(r, 1000));
    expect(seqOnScreen()).toBe(stillAt);
    pane.keys("s");
    await until(() => seqOnScreen() > stillAt || undefined, "a step to release a frame");
    pane.keys("c");
    await pane.waitForScreen(/\bdone\b/, "the replayed run's outcome", 30_000);
    expect(pane.screen()).toContain("REPLAY");
    pane.keys("C-c");
    await pane.waitForScreen("EXIT=0", "open's exit code");
    expect(pane.format("#{alternate_on}")).toBe("0");
    expect(snapshotOf(session)).toEqual(before);
  }, 60_000);

  it("without a terminal and without --emit-wire it exits 2 without spawning", () => {
    const session = join(work, "hello");
    expect(spawnSync(process.execPath, [cli, "run", join(repo, "examples/hello"), "--no-tui", "--session-dir", session], { cwd: repo }).status).toBe(0);
    const result = spawnSync(process.execPath, [cli, "open", session], { cwd: repo, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("needs a terminal");
  });
});
