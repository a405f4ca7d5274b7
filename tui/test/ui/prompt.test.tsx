import { afterEach, describe, expect, test } from "bun:test";
import type { OutboundFrame } from "@escapement/wire-schema";
import { scriptedRun } from "../support/frames.ts";
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

const options = [
  { value: "publish", label: "Publish" },
  { value: "revise", label: "Send back for changes" },
  { value: "drop", label: "Drop the draft" },
];

const PROMPTS = {
  text: { kind: "text", message: "What is your name?", default: "Ada", schema: { type: "string" } },
  select: {
    kind: "select",
    message: "Publish these release notes?",
    options,
    default: "revise",
    schema: { type: "string", enum: ["publish", "revise", "drop"] },
  },
  "multi-select": {
    kind: "multi-select",
    message: "Which channels get the announcement?",
    options: [
      { value: "blog", label: "Blog" },
      { value: "mail", label: "Mailing list" },
      { value: "chat", label: "Team chat" },
    ],
    default: ["mail"],
    schema: { type: "array", items: { type: "string", enum: ["blog", "mail", "chat"] } },
  },
  confirm: { kind: "confirm", message: "Delete the old drafts?", default: false, schema: { type: "boolean" } },
  progress: { kind: "progress", message: "Indexing the repository", progress: { value: 30, total: 120 }, schema: { type: "null" } },
} as const;

type Kind = keyof typeof PROMPTS;

/** A live run asking one prompt (p-1), and the run to script more rows with. */
const asking = (kind: Kind, replay = false) => {
  const run = scriptedRun({ sessionId: "s-ask", runId: "run-1", chartId: "ask" }, replay);
  const frames: OutboundFrame[] = [
    run.hello(),
    ...run.row("runner/started", { sessionId: "s-ask", runId: "run-1", chartId: "ask", resumed: false }),
    ...run.row("runner/start-config", { config: ["wait"] }),
    ...run.row("human-input/requested", { promptId: "p-1", invokeId: "ask-1", ...PROMPTS[kind] }),
  ];
  return { run, frames };
};

const invalid = (inReplyTo: string, message: string): OutboundFrame => ({
  v: 1,
  kind: "error",
  seq: 4,
  code: "invalid-answer",
  path: "/value",
  message,
  fatal: false,
  inReplyTo,
});

describe("prompt modals", () => {
  for (const size of SIZES) {
    for (const kind of Object.keys(PROMPTS) as Kind[]) {
      test(`${kind} at ${size.width}x${size.height}`, async () => {
        const app = await render(asking(kind).frames, size, { status: { state: "connected" } });
        const frame = app.captureCharFrame();
        expect(frame).toContain(`▸ PROMPT · ${kind} · ask-1`);
        expect(frame).toMatchSnapshot();
      });
    }
  }

  test("text: the input starts with the default; typing edits it; Enter sends the answer", async () => {
    const app = await render(asking("text").frames, { width: 80, height: 24 }, { status: { state: "connected" } });
    expect(app.captureCharFrame()).toContain("> Ada");
    app.mockInput.pressBackspace();
    await app.mockInput.typeText(" Lovelace?");
    await app.keys("return");
    expect(app.answers).toEqual([{ id: "ans-1", promptId: "p-1", value: "Ad Lovelace?" }]);
    expect(app.captureCharFrame()).toContain("sent, waiting for the core…");
  });

  test("text: keys that mean something elsewhere are typed into the input", async () => {
    const app = await render(asking("text").frames, { width: 80, height: 24 }, { status: { state: "connected" } });
    await app.mockInput.typeText("?pjq");
    await app.keys("return");
    expect(app.calls).toEqual([]);
    expect(app.answers).toEqual([{ id: "ans-1", promptId: "p-1", value: "Ada?pjq" }]);
  });

  test("select: the default is preselected; ↓ / j move; Enter sends the option's value", async () => {
    const app = await render(asking("select").frames, { width: 80, height: 24 }, { status: { state: "connected" } });
    expect(app.captureCharFrame()).toContain("› Send back for changes");
    await app.keys("down");
    expect(app.captureCharFrame()).toContain("› Drop the draft");
    await app.keys("k", "k", "k", "return");
    expect(app.answers).toEqual([{ id: "ans-1", promptId: "p-1", value: "publish" }]);
  });

  test("multi-select: Space toggles, Enter sends the chosen values in option order", async () => {
    const app = await render(asking("multi-select").frames, { width: 80, height: 24 }, { status: { state: "connected" } });
    expect(app.captureCharFrame()).toContain("[x] Mailing list");
    await app.keys("space", "down", "down", "space");
    const frame = app.captureCharFrame();
    expect(frame).toContain("[x] Blog");
    expect(frame).toContain("[x] Team chat");
    await app.keys("return");
    expect(app.answers).toEqual([{ id: "ans-1", promptId: "p-1", value: ["blog", "mail", "chat"] }]);
  });

  test("confirm: y and n answer at once; Enter takes the default", async () => {
    const app = await render(asking("confirm").frames, { width: 80, height: 24 }, { status: { state: "connected" } });
    expect(app.captureCharFrame()).toContain("[y/N]");
    await app.keys("y", "n", "return");
    expect(app.answers.map((a) => a.value)).toEqual([true, false, false]);
  });

  test("progress: progress rows move the bar; Enter does not answer; Esc cancels", async () => {
    const { run, frames } = asking("progress");
    const app = await render(frames, { width: 80, height: 24 }, { status: { state: "connected" } });
    expect(app.captureCharFrame()).toContain("30 / 120  25%");
    await app.push(...run.row("human-input/progress", { promptId: "p-1", value: 90, total: 120 }));
    expect(app.captureCharFrame()).toContain("90 / 120  75%");
    await app.keys("return");
    expect(app.captureCharFrame()).toContain("✗ a progress prompt can only be cancelled (Esc)");
    await app.keys("escape");
    expect(app.answers).toEqual([{ id: "ans-1", promptId: "p-1", cancelled: true }]);
    expect(app.captureCharFrame()).toContain("cancelling…");
  });

  test("Esc cancels any prompt; the modal closes on prompt-closed", async () => {
    const { run, frames } = asking("select");
    const app = await render(frames, { width: 80, height: 24 }, { status: { state: "connected" } });
    await app.keys("escape");
    expect(app.answers).toEqual([{ id: "ans-1", promptId: "p-1", cancelled: true }]);
    expect(app.calls).toEqual([]);
    await app.push(...run.row("human-input/cancelled", { promptId: "p-1" }));
    const frame = app.captureCharFrame();
    expect(frame).not.toContain("PROMPT");
    expect(frame).toContain("LOG 4");
  });

  test("a modal opens by itself when a prompt opens", async () => {
    const { run, frames } = asking("text");
    const app = await render(frames.slice(0, -2), { width: 80, height: 24 }, { status: { state: "connected" } });
    expect(app.captureCharFrame()).not.toContain("PROMPT");
    await app.push(...frames.slice(-2));
    expect(app.captureCharFrame()).toContain("▸ PROMPT · text · ask-1");
    await app.push(...run.row("human-input/answered", { promptId: "p-1", value: "Ada" }));
    expect(app.captureCharFrame()).not.toContain("PROMPT");
  });

  test("an invalid-answer error for the answer shows its reason in the modal, which stays open", async () => {
    const app = await render(asking("select").frames, { width: 80, height: 24 }, { status: { state: "connected" } });
    await app.keys("return");
    await app.push(invalid("ans-1", "/value: must be equal to one of the allowed values"));
    const frame = app.captureCharFrame();
    expect(frame).toContain("✗ /value: must be equal to one of the allowed values");
    expect(frame).toMatchSnapshot();
    // A second try clears the error while it is on its way.
    await app.keys("up", "return");
    expect(app.captureCharFrame()).toContain("sent, waiting for the core…");
    expect(app.answers.map((a) => [a.id, a.value])).toEqual([
      ["ans-1", "revise"],
      ["ans-2", "publish"],
    ]);
  });

  test("an error for another answer id leaves this prompt alone", async () => {
    const app = await render(asking("select").frames, { width: 80, height: 24 }, { status: { state: "connected" } });
    await app.keys("return");
    await app.push(invalid("ans-9", "/value: nope"));
    expect(app.captureCharFrame()).not.toContain("✗");
  });

  test("what the prompt's schema cannot take is caught before sending", async () => {
    const { run } = asking("text");
    const frames = [
      run.hello(),
      ...run.row("human-input/requested", { promptId: "p-1", invokeId: "ask-1", kind: "text", message: "How many?", schema: { type: "integer" } }),
    ];
    const app = await render(frames, { width: 80, height: 24 }, { status: { state: "connected" } });
    await app.mockInput.typeText("many");
    await app.keys("return");
    expect(app.answers).toEqual([]);
    expect(app.captureCharFrame()).toContain("✗ enter a number");
    app.mockInput.pressKey("BACKSPACE");
    for (let i = 0; i < 4; i++) app.mockInput.pressBackspace();
    await app.mockInput.typeText("12");
    await app.keys("return");
    expect(app.answers).toEqual([{ id: "ans-1", promptId: "p-1", value: 12 }]);
  });

  test("an answer that cannot be sent says why", async () => {
    const app = await render(
      asking("confirm").frames,
      { width: 80, height: 24 },
      {
        status: { state: "reconnecting", attempt: 2, retryInMs: 500, reason: "socket closed (1006)" },
        actions: { answer: () => false },
      },
    );
    await app.keys("y");
    expect(app.captureCharFrame()).toContain("✗ not sent: not connected (reconnecting)");
  });

  test("two open prompts: the oldest first, then the next", async () => {
    const { run, frames } = asking("confirm");
    const more = run.row("human-input/requested", { promptId: "p-2", invokeId: "ask-2", ...PROMPTS.text });
    const app = await render([...frames, ...more], { width: 80, height: 24 }, { status: { state: "connected" } });
    expect(app.captureCharFrame()).toContain("▸ PROMPT 1/2 · confirm · ask-1");
    await app.push(...run.row("human-input/answered", { promptId: "p-1", value: true }));
    expect(app.captureCharFrame()).toContain("▸ PROMPT · text · ask-2");
  });

  test("Ctrl-C quits even with a prompt open", async () => {
    const app = await render(asking("text").frames, { width: 80, height: 24 }, { status: { state: "connected" } });
    app.mockInput.pressKey("c", { ctrl: true });
    await app.renderOnce();
    expect(app.calls).toEqual(["quit"]);
  });

  test("in a replay prompts are inert: no modal, a note in the footer, keys answer nothing", async () => {
    const app = await render(asking("select", true).frames, { width: 80, height: 24 });
    let frame = app.captureCharFrame();
    expect(frame).not.toContain("▸ PROMPT");
    expect(frame).toContain("[REPLAY]");
    expect(frame).toContain("REPLAY · select prompt open, not answerable: Publish these release notes?");
    expect(frame).toMatchSnapshot();
    await app.keys("return", "escape", "y");
    expect(app.answers).toEqual([]);
    expect(app.calls).toEqual([]);
    frame = app.captureCharFrame();
    expect(frame).toContain("REPLAY: the debugger is inert");
  });
});
