/**
 * A worker run's debugger control from its session's inbox (inbox-control.ts): what is posted while
 * the run is live reaches its gate in order, what was posted before it started does not, a control
 * posted before the run's first row waits for it, and nothing is applied once it stopped.
 */
import { describe, expect, it } from "vitest";
import type { EventName } from "@escapement/wire-schema";
import { inboxControl } from "../../src/pool/inbox-control.js";
import { memoryInbox } from "../../src/store/index.js";

/** Resolves once `probe` holds, checking every 5 ms; fails after a second. */
async function until(probe: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 1000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("debugger control from a session's inbox", () => {
  it("applies what is posted while the run is live, in order; not what came before it, nor after it stopped", async () => {
    const inbox = memoryInbox();
    const logged: string[] = [];
    await inbox.post("s", { kind: "control", control: { action: "pause" } });
    const control = await inboxControl(inbox, "s", { log: (line) => logged.push(line), pollMs: 20 });
    const rows: EventName[] = [];
    // Posted before the run's first row: it waits for the run to start.
    await inbox.post("s", { kind: "control", control: { action: "arm-pause-on-next-external" } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rows).toEqual([]);
    control.gate.bind({ record: (event) => void rows.push(event), quit: () => {} });
    expect(rows).toEqual(["debug/mode"]);
    expect(control.gate.paused).toBe(false);

    // The next external event pauses; a step lets one through.
    let delivered = 0;
    control.gate.pass("first", () => delivered++);
    expect(control.gate.paused).toBe(true);
    control.gate.pass("second", () => delivered++);
    await inbox.post("s", { kind: "answer", promptId: "p", answer: { value: 1 } });
    await inbox.post("s", { kind: "control", control: { action: "step", n: 1 } });
    await until(() => delivered === 1, "the step");
    expect(control.gate.paused).toBe(true);
    // Refused by the gate (already paused): logged, nothing changes.
    await inbox.post("s", { kind: "control", control: { action: "pause" } });
    await until(() => logged.some((line) => line.includes("refused")), "the refusal");
    await inbox.post("s", { kind: "control", control: { action: "continue" } });
    await until(() => delivered === 2, "the continue");
    expect(rows).toEqual(["debug/mode", "debug/mode", "debug/paused", "debug/step", "debug/paused", "debug/resumed", "debug/mode"]);

    await control.stop();
    await inbox.post("s", { kind: "control", control: { action: "pause" } });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(control.gate.paused).toBe(false);
  });

  it("without an inbox, gives a gate nothing controls", async () => {
    const control = await inboxControl(undefined, "s");
    let delivered = 0;
    control.gate.pass("event", () => delivered++);
    expect(delivered).toBe(1);
    await control.stop();
  });
});
