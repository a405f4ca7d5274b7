import { afterEach, describe, expect, test } from "bun:test";
import { asLive, sampleFrames, T0 } from "../support/frames.ts";
import { renderApp } from "../support/render.tsx";

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

/** Up to the middle of the second turn's stream, while a conversation is live, from a live core. */
const streamingFrames = () => asLive(sampleFrames().slice(0, 14));

describe("app", () => {
  for (const size of SIZES) {
    test(`finished replay at ${size.width}x${size.height}`, async () => {
      const app = await render(sampleFrames(), size);
      expect(app.captureCharFrame()).toMatchSnapshot();
    });

    test(`mid-stream at ${size.width}x${size.height}`, async () => {
      const app = await render(streamingFrames(), size, { status: { state: "connected" }, now: T0 + 700 });
      expect(app.captureCharFrame()).toMatchSnapshot();
    });

    test(`paused by the debugger, reconnecting, at ${size.width}x${size.height}`, async () => {
      const frames = asLive(sampleFrames().slice(0, 26));
      const app = await render(frames, size, {
        now: T0 + 1_000,
        status: { state: "reconnecting", attempt: 3, retryInMs: 1_000, reason: "socket closed (1006)" },
      });
      const frame = app.captureCharFrame();
      expect(frame).toContain("⏸ PAUSED · pause requested");
      expect(frame).toContain("◌ reconnecting (3)");
      expect(frame).toMatchSnapshot();
    });
  }

  test("before any frame", async () => {
    const app = await render([], { width: 80, height: 24 }, { status: { state: "connecting" } });
    expect(app.captureCharFrame()).toMatchSnapshot();
  });

  test("the debugger's mode and step budget show in the header", async () => {
    const app = await render(asLive(sampleFrames().slice(0, 28)), { width: 80, height: 24 }, { status: { state: "connected" } });
    expect(app.captureCharFrame()).toContain("⏭ step 1 left");
  });

  test("? shows the key help over the panels and Esc closes it", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 });
    await app.keys("?");
    const help = app.captureCharFrame();
    expect(help).toContain("KEYS");
    expect(help).toMatchSnapshot();
    await app.keys("escape");
    expect(app.captureCharFrame()).toContain("LOG 23");
    expect(app.calls).toEqual([]);
  });

  test("l filters the log by lane", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 });
    await app.keys("l", "l", "l", "l");
    const frame = app.captureCharFrame();
    expect(frame).toContain("LOG 2 [human]");
    expect(frame).toContain('p-1 = "publish"');
    expect(frame).not.toContain("checkpoint journal");
  });

  test("debugger keys send control frames; Esc twice interrupts; Ctrl-C quits", async () => {
    const app = await render(streamingFrames(), { width: 80, height: 24 }, { status: { state: "connected" } });
    await app.keys("p", "s", "c", "a", "escape", "escape");
    app.mockInput.pressKey("c", { ctrl: true });
    await app.renderOnce();
    expect(app.calls).toEqual(["pause", "step", "continue", "arm-pause-on-next-external", "interrupt", "quit"]);
  });

  test("in a replay the debugger is inert and says so", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 });
    await app.keys("p", "escape");
    expect(app.calls).toEqual([]);
    expect(app.captureCharFrame()).toContain("REPLAY: the debugger is inert (interrupt not sent)");
    expect(app.captureCharFrame()).toContain("[REPLAY]");
  });

  test("a control that cannot be sent says so in the footer", async () => {
    const app = await render(
      streamingFrames(),
      { width: 80, height: 24 },
      { status: { state: "reconnecting", attempt: 1, retryInMs: 250, reason: "x" }, actions: { control: () => false } },
    );
    await app.keys("p");
    expect(app.captureCharFrame()).toContain("pause: not available (reconnecting)");
  });

  test("Tab moves the focus LIVE → LOG → INSPECTOR → LIVE; Shift-Tab back", async () => {
    const app = await render(sampleFrames(), { width: 120, height: 40 });
    expect(app.captureCharFrame()).toContain("▸ LIVE");
    await app.keys("tab");
    expect(app.captureCharFrame()).toContain("▸ LOG 23");
    await app.keys("tab");
    expect(app.captureCharFrame()).toContain("▸ INSPECTOR");
    await app.keys("tab");
    expect(app.captureCharFrame()).toContain("▸ LIVE");
    app.mockInput.pressTab({ shift: true });
    await app.renderOnce();
    expect(app.captureCharFrame()).toContain("▸ INSPECTOR");
  });

  test("on a narrow terminal the INSPECTOR takes the LOG's place while it has the focus", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 });
    await app.keys("tab", "tab");
    const frame = app.captureCharFrame();
    expect(frame).toContain("▸ INSPECTOR");
    expect(frame).not.toContain("LOG 23");
    expect(frame).toMatchSnapshot();
  });

  test("in the LOG, ↑ places a cursor and stops following; PgUp pages; End follows again", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 });
    await app.keys("tab", "up", "up");
    let frame = app.captureCharFrame();
    expect(frame).toContain("›+0:04.3   chart artifact release-notes");
    expect(frame).toContain("Enter open artifacts/release-notes");
    await app.keys("pageup");
    frame = app.captureCharFrame();
    expect(frame).toMatch(/LOG 12\/23 ↑10/);
    expect(frame).toContain("draft-1 started in draft (smart)");
    await app.keys("G");
    expect(app.captureCharFrame()).toContain("LOG 23═");
    expect(app.captureCharFrame()).not.toContain("›+0:");
  });

  test("a LOG cursor stays on its row while new rows arrive", async () => {
    const frames = streamingFrames();
    const app = await render(frames.slice(0, 10), { width: 80, height: 24 }, { status: { state: "connected" } });
    await app.keys("tab", "up", "up");
    expect(app.captureCharFrame()).toContain("›+0:00.4   tool  draft-1 read_file → # Changelog");
    await app.push(...frames.slice(10));
    const frame = app.captureCharFrame();
    // The four new deltas make one merged row below the view; the cursor has not moved.
    expect(frame).toContain("›+0:00.4   tool  draft-1 read_file → # Changelog");
    expect(frame).toContain("LOG 7/9 ↑1");
    expect(frame).not.toContain("#2 ▸ ## Highlights");
  });

  test("LIVE: ↑↓ select, Home and End jump", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 });
    await app.keys("up", "home", "end");
    expect(app.captureCharFrame()).toContain("› done       draft-1");
  });
});
