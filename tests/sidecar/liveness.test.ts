/**
 * The UI says how the core is doing: a core stopped with SIGSTOP shows as "not responding" (and
 * the run's clock stops) or, stopped before the handshake, as "no answer"; SIGCONT brings back
 * "● connected". Real core, real UI, real terminal (tmux).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { attachTui, headerElapsed, repo, startCore, type Core } from "./attach.js";
import { hasTmux, killPanes, openPane, until, type Pane } from "./tmux.js";

const work = mkdtempSync(join(tmpdir(), "escapement-liveness-"));
const panes: Pane[] = [];
const cores: Core[] = [];

afterEach(() => {
  for (const core of cores.splice(0)) {
    try {
      process.kill(core.pid, "SIGCONT");
    } catch {
      // gone
    }
    core.kill();
  }
  for (const pane of panes.splice(0)) pane.kill();
});
afterAll(() => {
  killPanes();
  rmSync(work, { recursive: true, force: true });
});

const setup = async (name: string) => {
  const core = await startCore(join(work, name));
  cores.push(core);
  const pane = openPane(name, { cwd: repo, width: 120, height: 36 });
  panes.push(pane);
  return { core, pane };
};

describe.skipIf(!hasTmux)("liveness: a stopped core", () => {
  it("stopped mid-run: 'not responding' after two heartbeat intervals, the run's clock stands still; SIGCONT: connected", async () => {
    const { core, pane } = await setup("stopped");
    attachTui(pane, core);
    await pane.waitForScreen("Who is this run for?", "the name prompt");
    pane.type("Ada");
    pane.keys("Enter");
    await pane.waitForScreen(/streaming|Step 1/, "the conversation streaming");
    await pane.waitForScreen("● connected", "connected");

    process.kill(core.pid, "SIGSTOP");
    // Heartbeats every 5 s: two missed ones.
    const screen = await pane.waitForScreen(/◌ not responding \d+s/, "not responding", 16_000);
    const frozen = headerElapsed(screen);
    expect(frozen).toMatch(/^\d+:\d\d$/);
    // The clock stands still while the core sends nothing: readings a second and more apart.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(headerElapsed(pane.screen())).toBe(frozen);

    process.kill(core.pid, "SIGCONT");
    await pane.waitForScreen("● connected", "connected again after SIGCONT", 15_000);
    await until(() => headerElapsed(pane.screen()) !== frozen || undefined, "the clock to move again");
    pane.keys("C-c");
    await pane.waitForScreen("EXIT=0", "the UI's exit");
  }, 60_000);

  it("stopped before the handshake: 'no answer' after 5 s, and the UI keeps waiting; SIGCONT: connected, the prompt shows", async () => {
    const { core, pane } = await setup("no-hello");
    process.kill(core.pid, "SIGSTOP");
    attachTui(pane, core);
    await pane.waitForScreen("◌ connecting", "connecting");
    await pane.waitForScreen(/◌ no answer \d+s/, "no answer", 10_000);
    process.kill(core.pid, "SIGCONT");
    await pane.waitForScreen("● connected", "connected after SIGCONT", 15_000);
    await pane.waitForScreen("Who is this run for?", "the prompt, once the core answers");
    pane.keys("C-c");
    await pane.waitForScreen("EXIT=0", "the UI's exit");
  }, 60_000);
});
