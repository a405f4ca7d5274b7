import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { SAMPLE_BLOBS, withoutBlob } from "../support/blobs.ts";
import { sampleFrames } from "../support/frames.ts";
import { memoryBlobs, renderApp } from "../support/render.tsx";

// Markdown highlighting runs in a worker; on a loaded machine a test can take seconds.
setDefaultTimeout(20_000);

type Rendered = Awaited<ReturnType<typeof renderApp>>;
let current: Rendered | undefined;
afterEach(() => {
  current?.renderer.destroy();
  current = undefined;
});
const render = async (...args: Parameters<typeof renderApp>) => (current = await renderApp(...args));

/**
 * Markdown is laid out after its highlighting resolves (a tree-sitter worker), so wait on real
 * time until the frame shows `text` and stops changing.
 */
const settle = async (app: Rendered, ...texts: string[]): Promise<string> => {
  const deadline = Date.now() + 8_000;
  let last = "";
  let stable = 0;
  for (;;) {
    await app.renderOnce();
    const frame = app.captureCharFrame();
    stable = frame === last ? stable + 1 : 0;
    last = frame;
    if (texts.every((t) => frame.includes(t)) && stable >= 3) return frame;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(texts)}; last frame:\n${frame}`);
    await Bun.sleep(10);
  }
};

/** Text of the sample's turn 2 response that shows only once its markdown is highlighted. */
const RESPONSE_READY = ["cache write", "Highlights"];

const SIZES = [
  { width: 80, height: 24 },
  { width: 120, height: 40 },
] as const;

describe("pager", () => {
  for (const size of SIZES) {
    test(`Enter on a LIVE row shows its latest turn's response as markdown at ${size.width}x${size.height}`, async () => {
      const app = await render(sampleFrames(), size, { blobs: memoryBlobs(SAMPLE_BLOBS) });
      await app.keys("return");
      const frame = await settle(app, ...RESPONSE_READY);
      expect(frame).toContain("draft-1 · turn 2 · response");
      expect(frame).toContain("Highlights");
      expect(frame).not.toContain("## Highlights");
      expect(frame).toMatchSnapshot();
    });

    test(`a missing blob says so in the pager at ${size.width}x${size.height}`, async () => {
      const app = await render(sampleFrames(), size, { blobs: memoryBlobs(withoutBlob("io/draft-1/2.response.json")) });
      await app.keys("return");
      const frame = await settle(app, "Blob missing");
      expect(frame).toContain("Blob missing: io/draft-1/2.response.json is not in /sessions/s-1.");
      expect(frame).toMatchSnapshot();
    });
  }

  test("the response's table is drawn as a table", async () => {
    const app = await render(sampleFrames(), { width: 120, height: 40 }, { blobs: memoryBlobs(SAMPLE_BLOBS) });
    await app.keys("return");
    const frame = await settle(app, "resume after crash", ...RESPONSE_READY);
    expect(frame).toMatch(/│\s*change\s*│\s*kind\s*│/);
    expect(frame).toMatch(/│\s*open command\s*│\s*feature\s*│/);
  });

  test("Tab shows the request; [ and ] move between turns", async () => {
    const app = await render(sampleFrames(), { width: 120, height: 40 }, { blobs: memoryBlobs(SAMPLE_BLOBS) });
    await app.keys("return", "tab");
    let frame = await settle(app, "You write release notes", "Read a file of the repository");
    expect(frame).toContain("draft-1 · turn 2 · request");
    expect(frame).toContain("3 · user");
    expect(frame).toContain("turn 2 of 2 · request (Tab: response)");
    await app.keys("[");
    frame = await settle(app, "turn 1 of 2", "You write release notes", "Read a file of the repository");
    expect(frame).toContain("draft-1 · turn 1 · request");
    expect(frame).not.toContain("3 · user");
    await app.keys("]", "r");
    frame = await settle(app, "turn 2 of 2 · response", ...RESPONSE_READY);
    expect(frame).toContain("Detail line 1 of");
  });

  test("keys scroll the document: j a line, PgDn a page, G the end, g the top", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 }, { blobs: memoryBlobs(SAMPLE_BLOBS) });
    await app.keys("return");
    const top = await settle(app, ...RESPONSE_READY);
    const body = (frame: string) => frame.split("\n").slice(3, 8).join("\n");
    await app.keys("j");
    const down = await settle(app);
    expect(body(down)).not.toBe(body(top));
    await app.keys("G");
    expect(await settle(app, "The end.")).toContain("DRAFT_DONE");
    await app.keys("g");
    expect(await settle(app, ...RESPONSE_READY)).toBe(top);
    await app.keys("pagedown");
    expect(await settle(app)).not.toContain("cache write");
  });

  test("Esc and q close the pager", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 }, { blobs: memoryBlobs(SAMPLE_BLOBS) });
    await app.keys("return");
    await settle(app, ...RESPONSE_READY);
    await app.keys("escape");
    expect(app.captureCharFrame()).toContain("LOG 23");
    await app.keys("return");
    await settle(app, ...RESPONSE_READY);
    await app.keys("q");
    expect(app.captureCharFrame()).toContain("LOG 23");
    expect(app.calls).toEqual([]);
  });

  test("without a session directory the pager says how to give one", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 });
    await app.keys("return");
    const frame = await settle(app, "--session-dir");
    expect(frame).toContain("no session directory");
  });

  test("a LOG row's blob opens from the cursor: the artifact as markdown", async () => {
    const app = await render(sampleFrames(), { width: 80, height: 24 }, { blobs: memoryBlobs(SAMPLE_BLOBS) });
    await app.keys("tab", "up", "up", "return");
    const frame = await settle(app, "replays any saved session");
    expect(frame).toContain("artifact/captured · artifacts/release-notes");
    expect(frame).toContain("Highlights");
  });

  test("a LOG request row opens that turn's request", async () => {
    const app = await render(sampleFrames(), { width: 120, height: 40 }, { blobs: memoryBlobs(SAMPLE_BLOBS) });
    await app.keys("tab", "home", "down", "down", "down", "return");
    const frame = await settle(app, "turn 1 of 2 · request");
    expect(frame).toContain("draft-1 · turn 1 · request");
  });

  test("an INSPECTOR artifact opens in the pager", async () => {
    const app = await render(sampleFrames(), { width: 120, height: 40 }, { blobs: memoryBlobs(SAMPLE_BLOBS) });
    await app.keys("tab", "tab", "end", "return");
    const frame = await settle(app, "replays any saved session");
    expect(frame).toContain("artifact release-notes");
  });
});

test("? in the pager shows the keys; closing it goes back to the pager", async () => {
  const app = (current = await renderApp(sampleFrames(), { width: 80, height: 24 }, { blobs: memoryBlobs(SAMPLE_BLOBS) }));
  await app.keys("return");
  await settle(app, ...RESPONSE_READY);
  await app.keys("?");
  expect(app.captureCharFrame()).toContain("? Esc q close)");
  await app.keys("escape");
  expect(await settle(app, ...RESPONSE_READY)).toContain("draft-1 · turn 2 · response");
});
