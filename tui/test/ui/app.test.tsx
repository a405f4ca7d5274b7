import { afterEach, describe, expect, test } from "bun:test";
import { sampleFrames } from "../support/frames.ts";
import { renderApp } from "../support/render.tsx";
import { until } from "../support/wire-server.ts";

type Rendered = Awaited<ReturnType<typeof renderApp>>;
let current: Rendered | undefined;
afterEach(() => {
  current?.renderer.destroy();
  current = undefined;
});
const render = async (...args: Parameters<typeof renderApp>) => (current = await renderApp(...args));

const SIZES = [
  { width: 80, height: 24 },
  { width: 120, height: 40 },
] as const;

/** Up to the middle of the second turn's stream, while a conversation is live. */
const streamingFrames = () => sampleFrames().slice(0, 14);

describe("app", () => {
  for (const size of SIZES) {
    test(`finished replay at ${size.width}x${size.height}`, async () => {
      const app = await render(sampleFrames(), size);
      expect(app.captureCharFrame()).toMatchSnapshot();
    });

    test(`mid-stream at ${size.width}x${size.height}`, async () => {
      const app = await render(streamingFrames(), size, { status: { state: "connected" } });
      expect(app.captureCharFrame()).toMatchSnapshot();
    });
  }

  test("before any frame", async () => {
    const app = await render([], { width: 80, height: 24 }, { status: { state: "connecting" } });
    expect(app.captureCharFrame()).toMatchSnapshot();
  });

  test("? shows every key and Esc closes it", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 });
    app.mockInput.pressKey("?");
    await app.renderOnce();
    const help = app.captureCharFrame();
    expect(help).toContain("KEYS");
    expect(help).toMatchSnapshot();
    // A lone ESC is told apart from an escape sequence by a short timeout, so wait for its effect.
    app.mockInput.pressEscape();
    await until(() => (void app.renderOnce(), app.captureCharFrame().includes("LOG 23")), 2_000, "help to close");
    expect(app.calls).toEqual([]);
  });

  test("l filters the log by lane", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 });
    for (let i = 0; i < 4; i++) app.mockInput.pressKey("l");
    await app.renderOnce();
    const frame = app.captureCharFrame();
    expect(frame).toContain("LOG 23 [human]");
    expect(frame).toContain('p-1 = "publish"');
    expect(frame).not.toContain("checkpoint journal");
  });

  test("debugger keys send control frames; Esc interrupts; Ctrl-C quits", async () => {
    const app = await render(streamingFrames(), { width: 80, height: 24 }, { status: { state: "connected" } });
    for (const key of ["p", "s", "c", "a"]) app.mockInput.pressKey(key);
    app.mockInput.pressEscape();
    await until(() => app.calls.includes("interrupt"), 2_000, "interrupt");
    app.mockInput.pressKey("c", { ctrl: true });
    await app.renderOnce();
    expect(app.calls).toEqual(["pause", "step", "continue", "arm-pause-on-next-external", "interrupt", "quit"]);
  });

  test("a control that cannot be sent says so in the footer", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 }, { actions: { control: () => false } });
    app.mockInput.pressKey("p");
    await app.renderOnce();
    expect(app.captureCharFrame()).toContain("pause: not available (replay)");
  });

  test("PgUp scrolls the log back and End follows again", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 });
    app.mockInput.pressKey("u");
    await app.renderOnce();
    const back = app.captureCharFrame();
    expect(back).toMatch(/LOG 23 ↑\d+/);
    expect(back).toContain("draft-1 started in draft (smart)");
    app.mockInput.pressKey("G");
    await app.renderOnce();
    expect(app.captureCharFrame()).not.toMatch(/LOG 23 ↑/);
  });

  test("follows new frames and connection changes", async () => {
    const app = await render(streamingFrames(), { width: 80, height: 24 }, { status: { state: "connected" } });
    app.setStatus({ state: "reconnecting", attempt: 2, retryInMs: 500, reason: "socket closed (1006)" });
    await app.renderOnce();
    expect(app.captureCharFrame()).toContain("◌ reconnecting (2)");
  });
});
