/**
 * The browser renderer against a live run, in real Chromium: `escapement run --web` prints a URL
 * with the token in its fragment; the page attaches, streams, answers a prompt of every kind,
 * pauses, steps and continues the run, survives a reload and a dropped connection mid-run, and
 * ends with the log holding every row of the transcript exactly once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page, type WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsIn } from "../sidecar/tmux.js";
import { CHROMIUM, hasChromium, loggedSeqs, startCore, until } from "./browser.js";

const work = mkdtempSync(join(tmpdir(), "escapement-web-"));
let browser: Browser | undefined;

beforeAll(async () => {
  if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM });
});
afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

const text = (page: Page, testId: string) => page.getByTestId(testId).innerText();

/** The seqs of the log rows the page shows, in order. */
const pageSeqs = (page: Page) => page.locator("[data-testid=log-row]").evaluateAll((rows) => rows.map((row) => Number(row.getAttribute("data-seq"))));

describe.skipIf(!hasChromium)("escapement run --web in Chromium", () => {
  it("attaches, streams, answers every prompt kind, pauses and steps, resumes after a reload and a drop", async () => {
    const session = join(work, "live");
    const transcript = join(session, "transcript.jsonl");
    const core = startCore(["run", "tests/web/fixture", "--web", "127.0.0.1:0", "--session-dir", session]);
    const url = await core.url();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+$/);

    const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    // Every socket the page opens goes through here, so the test can drop one and read the attaches.
    const sockets: WebSocketRoute[] = [];
    const attaches: { since?: number }[] = [];
    await page.routeWebSocket(/.*/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const frame = JSON.parse(String(message)) as { kind: string; since?: number };
        if (frame.kind === "attach") attaches.push(frame);
        server.send(message);
      });
      sockets.push(ws);
    });

    await page.goto(url);
    await expect.poll(() => text(page, "connection")).toContain("connected");
    expect(await text(page, "chart")).toBe("web-steps");
    expect(attaches[0]?.since).toBe(0);

    // text
    await page.getByTestId("prompt-text").fill("Ada");
    await page.getByTestId("prompt-text").press("Enter");
    // select: the default is preselected; choose another
    await expect.poll(() => text(page, "prompts")).toContain("Which tone?");
    await page.getByLabel("Warm").check();
    await page.getByRole("button", { name: "Choose" }).click();
    // multi-select
    await expect.poll(() => text(page, "prompts")).toContain("Which topics?");
    await page.getByLabel("safety").check();
    await page.getByLabel("cost").check();
    await page.getByRole("button", { name: "Choose" }).click();

    // The conversation streams into the page delta by delta.
    await expect.poll(() => page.getByTestId("streamed").first().innerText(), { timeout: 15_000 }).toMatch(/^Step \d: working/);
    expect(await page.locator("[data-testid=conversation]").first().getAttribute("data-invoke-id")).toBe("worker");

    // Pause: the run holds its next external event.
    await page.getByTestId("pause").click();
    await expect.poll(() => text(page, "debug-state")).toMatch(/^paused/);
    await until(() => rowsIn(transcript).some((row) => row.event === "debug/paused"), "debug/paused in the transcript");

    // A reload mid-run: the page attaches anew and rebuilds the whole view, still paused.
    await page.reload();
    await expect.poll(() => text(page, "connection")).toContain("connected");
    await expect.poll(() => text(page, "debug-state")).toMatch(/^paused/);

    // A dropped connection: the page reconnects with `since` = the last seq it applied.
    const before = attaches.length;
    await sockets.at(-1)!.close({ code: 4000, reason: "dropped by the test" });
    await until(() => attaches.length > before, "a new attach after the drop");
    expect(attaches.at(-1)!.since).toBeGreaterThan(0);
    await expect.poll(() => text(page, "connection")).toContain("connected");

    // One step lets exactly one external event through, then pauses again.
    await page.getByTestId("step").click();
    await until(
      () => rowsIn(transcript).some((row) => row.event === "debug/paused" && (row.data as { reason?: string }).reason === "step done"),
      "a step done",
    );
    await expect.poll(() => text(page, "debug-state")).toContain("step done");

    await page.getByTestId("continue").click();
    await expect.poll(() => text(page, "prompts"), { timeout: 20_000 }).toContain("Accept 4 steps?");
    await page.getByTestId("confirm-yes").click();
    await expect.poll(() => text(page, "outcome"), { timeout: 15_000 }).toContain("run done");

    // Nothing lost, nothing twice: the log is the transcript's rows (deltas stream instead), in order.
    const rows = rowsIn(transcript);
    expect(await pageSeqs(page)).toEqual(loggedSeqs(rows));
    const answered = rows.filter((row) => row.event === "human-input/answered").map((row) => (row.data as { value: unknown }).value);
    expect(answered).toEqual(["Ada", "warm", ["safety", "cost"], true]);
    expect(errors).toEqual([]);
    await page.close();
    expect(await core.exited).toBe(0);
    expect(JSON.parse(core.out().trim())).toMatchObject({ status: "done", finalConfig: ["accepted"] });
    // The token is only ever in the fragment: the core prints it there, never in a path or query.
    expect(core.err()).not.toMatch(/\?token=/);
  });
});
