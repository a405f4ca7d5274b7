import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { CapturedFrame } from "@opentui/core";
import { SAMPLE_BLOBS } from "../support/blobs.ts";
import { asLive, sampleFrames, scriptedRun } from "../support/frames.ts";
import { memoryBlobs, renderApp, renderNode } from "../support/render.tsx";
import { COLOR_THEME, PLAIN_THEME, themeFor } from "../../src/ui/theme.ts";

setDefaultTimeout(20_000);

type Rendered = Awaited<ReturnType<typeof renderApp>>;
let current: Rendered | undefined;
afterEach(() => {
  current?.renderer.destroy();
  current = undefined;
});

const key = (c: { buffer: ArrayLike<number> } | unknown): string => {
  const buffer = (c as { buffer: ArrayLike<number> }).buffer;
  return Array.from({ length: 4 }, (_, i) => buffer[i]).join(",");
};

/** The default colours: what a <text> with no colour is drawn with. */
const defaults = async () => {
  const plain = await renderNode(() => <text>x</text>, 4, 1);
  const span = plain.captureSpans().lines[0]?.spans[0];
  plain.renderer.destroy();
  if (!span) throw new Error("no span");
  return { fg: key(span.fg), bg: key(span.bg) };
};

/** Spans whose colours are not the defaults. */
const coloured = (frame: CapturedFrame, base: { fg: string; bg: string }) =>
  frame.lines.flatMap((line, row) =>
    line.spans
      .filter((s) => s.text.trim() !== "" && (key(s.fg) !== base.fg || key(s.bg) !== base.bg))
      .map((s) => `${row}: ${JSON.stringify(s.text)} fg ${key(s.fg)} bg ${key(s.bg)}`),
  );

const settle = async (app: Rendered, ...texts: string[]) => {
  const deadline = Date.now() + 8_000;
  while (!texts.every((t) => app.captureCharFrame().includes(t))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${texts.join(", ")}`);
    await Bun.sleep(10);
    await app.renderOnce();
  }
  await app.renderOnce();
};

describe("NO_COLOR", () => {
  test("NO_COLOR picks the plain theme", () => {
    expect(themeFor({ NO_COLOR: "1" })).toBe(PLAIN_THEME);
    expect(themeFor({ NO_COLOR: "" })).toBe(COLOR_THEME);
  });

  test("every screen draws with the default colours only: panels, inspector, pager, prompt, help", async () => {
    const base = await defaults();
    const seen: string[] = [];
    const check = (what: string, app: Rendered) => seen.push(...coloured(app.captureSpans(), base).map((s) => `${what} ${s}`));

    let app = (current = await renderApp(sampleFrames(), { width: 120, height: 40 }, { blobs: memoryBlobs(SAMPLE_BLOBS), theme: PLAIN_THEME }));
    check("main", app);
    await app.keys("tab", "up");
    check("log cursor", app);
    await app.keys("tab", "down");
    check("inspector", app);
    await app.keys("?");
    check("help", app);
    await app.keys("escape", "end", "return");
    await settle(app, "replays any saved session");
    check("pager artifact", app);
    await app.keys("escape", "home", "return");
    await settle(app, "cache write", "Highlights", "resume after crash");
    check("pager response", app);
    app.renderer.destroy();

    const run = scriptedRun();
    const frames = [
      run.hello(),
      ...run.row("human-input/requested", {
        promptId: "p-1",
        invokeId: "ask-1",
        kind: "select",
        message: "Pick",
        options: [
          { value: "a", label: "A" },
          { value: "b", label: "B" },
        ],
        schema: { type: "string" },
      }),
    ];
    app = current = await renderApp(frames, { width: 80, height: 24 }, { status: { state: "connected" }, theme: PLAIN_THEME });
    check("select prompt", app);
    app.renderer.destroy();
    const text = scriptedRun();
    app = current = await renderApp(
      [
        text.hello(),
        ...text.row("human-input/requested", {
          promptId: "p-1",
          invokeId: "ask-1",
          kind: "text",
          message: "Name?",
          default: "Ada",
          schema: { type: "string" },
        }),
      ],
      { width: 80, height: 24 },
      { status: { state: "connected" }, theme: PLAIN_THEME },
    );
    check("text prompt", app);
    expect(seen).toEqual([]);
  });

  test("the colour theme does colour (so the check above can fail)", async () => {
    const base = await defaults();
    const app = (current = await renderApp(asLive(sampleFrames()), { width: 80, height: 24 }, { theme: COLOR_THEME }));
    expect(coloured(app.captureSpans(), base).length).toBeGreaterThan(10);
  });
});
