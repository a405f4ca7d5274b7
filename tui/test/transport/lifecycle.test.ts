import { EventEmitter } from "node:events";
import { spawn } from "node:child_process";
import { describe, expect, test } from "bun:test";
import { EXIT_CODES, EXIT_REASONS, exitLine } from "../../src/transport/exit-reason.ts";
import { PARENT_CHECK_MS, processAlive, watchParent } from "../../src/transport/parent-watch.ts";
import { watchTerminal, type InputStream, type SignalSource } from "../../src/transport/terminal-watch.ts";
import { fakeTimers } from "./fake-timers.ts";

describe("the parent watch", () => {
  test("calls onGone once, at the first check after the parent is gone, and stops checking", () => {
    const timers = fakeTimers();
    let alive = true;
    const checked: number[] = [];
    let gone = 0;
    watchParent({ pid: 4242, timers, alive: (pid) => (checked.push(pid), alive), onGone: () => gone++ });
    timers.advance(PARENT_CHECK_MS * 3);
    expect(checked).toEqual([4242, 4242, 4242]);
    expect(gone).toBe(0);
    alive = false;
    timers.advance(PARENT_CHECK_MS);
    expect(gone).toBe(1);
    timers.advance(PARENT_CHECK_MS * 5);
    expect(gone).toBe(1);
    expect(timers.pending()).toBe(0);
  });

  test("stopping the watch stops the checks", () => {
    const timers = fakeTimers();
    let checks = 0;
    const stop = watchParent({ pid: 1, timers, alive: () => (checks++, true), onGone: () => {} });
    stop();
    timers.advance(PARENT_CHECK_MS * 10);
    expect(checks).toBe(0);
  });

  test("a real process is alive until it exits; a process of another user still counts as alive", async () => {
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    const pid = child.pid as number;
    expect(processAlive(pid)).toBe(true);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    expect(processAlive(pid)).toBe(false);
    const eperm = Object.assign(new Error("EPERM"), { code: "EPERM" });
    expect(
      processAlive(1, () => {
        throw eperm;
      }),
    ).toBe(true);
  });
});

describe("the terminal watch", () => {
  const setup = () => {
    const signals = new EventEmitter();
    const input = new EventEmitter();
    const gone: string[] = [];
    const stop = watchTerminal({ signals: signals as unknown as SignalSource, input: input as unknown as InputStream, onGone: (why) => gone.push(why) });
    return { signals, input, gone, stop };
  };

  test("SIGHUP: the terminal is gone, once", () => {
    const t = setup();
    t.signals.emit("SIGHUP");
    t.signals.emit("SIGHUP");
    t.input.emit("end");
    expect(t.gone).toEqual(["hangup"]);
    expect(t.signals.listenerCount("SIGHUP")).toBe(0);
  });

  test("the end of input, or an error reading it (EIO), means the same", () => {
    const ended = setup();
    ended.input.emit("end");
    expect(ended.gone).toEqual(["input-ended"]);
    const failed = setup();
    failed.input.emit("error", Object.assign(new Error("read EIO"), { code: "EIO" }));
    expect(failed.gone).toEqual(["input-error"]);
    expect(failed.input.listenerCount("error")).toBe(0);
  });

  test("after stop nothing is watched", () => {
    const t = setup();
    t.stop();
    t.signals.emit("SIGHUP");
    t.input.emit("close");
    expect(t.gone).toEqual([]);
  });
});

test("every exit reason has a code; the core's going gets a line, a user's quit and a lost terminal none", () => {
  expect(EXIT_REASONS.map((reason) => [reason, EXIT_CODES[reason]])).toEqual([
    ["quit", 0],
    ["terminal-gone", 129],
    ["core-gone", 3],
    ["parent-gone", 3],
  ]);
  expect(exitLine("core-gone", "ws://127.0.0.1:1: no connection for 10 s (socket closed (1006))")).toBe(
    "escapement-tui: lost the core at ws://127.0.0.1:1: no connection for 10 s (socket closed (1006))",
  );
  expect(exitLine("parent-gone", "4242")).toBe("escapement-tui: the core that started this UI (pid 4242) is gone");
  expect(exitLine("quit", "")).toBeUndefined();
  expect(exitLine("terminal-gone", "")).toBeUndefined();
});
