/**
 * The browser renderer on a saved session (`escapement open <session> --web`), in real Chromium:
 * the page shows the whole run at fixed viewport sizes (checked by layout and a DOM snapshot, and
 * the screenshots' sizes), opens a row's full request and response in the pager through
 * `read-blob`, and seeks: back to the start (a rewind), to the next turn, to the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, hasChromium, pngSize, recordSession, startCore, type Core } from "./browser.js";

// The callbacks given to page.evaluate run in the page, where these are the DOM's; the tests'
// project is compiled without the DOM library.
declare const document: any;
declare const window: any;

const work = mkdtempSync(join(tmpdir(), "escapement-web-replay-"));
const session = join(work, "recorded");
let browser: Browser | undefined;
let core: Core | undefined;
let url = "";

beforeAll(async () => {
  if (!hasChromium) return;
  await recordSession(session);
  core = startCore(["open", session, "--web", "127.0.0.1:0"]);
  url = await core.url();
  browser = await chromium.launch({ executablePath: CHROMIUM });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  core?.child.kill("SIGINT");
  if (core) await core.exited;
  rmSync(work, { recursive: true, force: true });
});

const finishedPage = async (width: number, height: number): Promise<Page> => {
  const page = await browser!.newPage({ viewport: { width, height }, colorScheme: "light" });
  await page.goto(url);
  await expect
    .poll(() =>
      page
        .getByTestId("outcome")
        .innerText()
        .catch(() => ""),
    )
    .toContain("run done");
  return page;
};

/** What the page shows that does not depend on timing or ids: a DOM snapshot. */
const domSummary = (page: Page) =>
  page.evaluate(() => {
    const text = (id: string) => document.querySelector(`[data-testid=${id}]`)?.textContent?.trim() ?? null;
    const rows = [...document.querySelectorAll("[data-testid=log-row]")];
    return {
      chart: text("chart"),
      status: text("run-status"),
      outcome: text("outcome"),
      breadcrumb: text("breadcrumb"),
      debugBar: document.querySelector("[data-testid=debug-bar]") !== null,
      prompts: document.querySelectorAll("[data-testid=prompt]").length,
      conversations: [...document.querySelectorAll("[data-testid=conversation] header")].map((h) => h.textContent?.replace(/\s+/g, " ").trim()),
      events: [...new Set(rows.map((row) => row.getAttribute("data-event")))].sort(),
      blobLinks: [...new Set([...document.querySelectorAll("[data-testid=open-blob]")].map((b) => b.textContent?.trim()))].sort(),
    };
  });

/** Boxes of the page's regions, for layout checks. */
const boxes = (page: Page) =>
  page.evaluate(() => {
    const box = (selector: string) => {
      const r = document.querySelector(selector)!.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
    };
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      header: box(".header"),
      conversations: box(".conversations"),
      log: box(".log"),
    };
  });

describe.skipIf(!hasChromium)("escapement open --web in Chromium", () => {
  it.each([
    [1280, 800],
    [390, 844],
  ])("shows the finished run at %i×%i: layout, DOM and screenshot", async (width, height) => {
    const page = await finishedPage(width, height);
    expect(await domSummary(page)).toMatchSnapshot();

    const b = await boxes(page);
    // Nothing overflows sideways; the header is on top; the two panes are both on screen and apart.
    expect(b.scrollWidth).toBeLessThanOrEqual(b.innerWidth);
    for (const region of [b.header, b.conversations, b.log]) {
      expect(region.width).toBeGreaterThan(100);
      expect(region.height).toBeGreaterThan(20);
      expect(region.left).toBeGreaterThanOrEqual(0);
      expect(region.right).toBeLessThanOrEqual(width);
      expect(region.top).toBeLessThan(height);
    }
    expect(b.conversations.top).toBeGreaterThanOrEqual(b.header.bottom);
    const sideBySide = b.conversations.right <= b.log.left;
    const stacked = b.conversations.bottom <= b.log.top;
    expect(sideBySide || stacked).toBe(true);
    expect(sideBySide).toBe(width >= 800);

    const png = await page.screenshot();
    expect(pngSize(png)).toEqual({ width, height });
    // A blank or unstyled page compresses to almost nothing; the rendered run does not.
    expect(png.length).toBeGreaterThan(width * 10);
    await page.close();
  });

  it("opens a row's full request and response in the pager (read-blob)", async () => {
    const page = await finishedPage(1280, 800);
    const response = page.locator("[data-event='llm/response'] [data-testid=open-blob]").first();
    // A replay announces blobs: the row's full payload can be opened.
    expect(await response.isDisabled()).toBe(false);
    await response.click();
    await expect.poll(() => page.getByTestId("pager-body").innerText()).toContain("Step 1: working on it.");
    expect(await page.getByTestId("pager-body").locator("h1").innerText()).toMatch(/^llm\/response #\d+ · response$/);
    await page.getByTestId("pager-close").click();
    await expect.poll(() => page.getByTestId("pager").count()).toBe(0);

    await page.locator("[data-event='llm/request'] [data-testid=open-blob]").first().click();
    await expect.poll(() => page.getByTestId("pager-body").innerText()).toContain("Do the work for Ada");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByTestId("pager").count()).toBe(0);
    await page.close();
  });

  it("seeks back to the start, to the next turn and to the end, rebuilding the view each time", async () => {
    const page = await finishedPage(1280, 800);
    const seqs = () => page.locator("[data-testid=log-row]").evaluateAll((rows) => rows.map((row) => Number(row.getAttribute("data-seq"))));
    const all = await seqs();

    await page.getByTestId("seek-start").click();
    await expect.poll(() => page.getByTestId("debug-state").innerText()).toMatch(/^paused · row 1 of \d+$/);
    expect(await seqs()).toEqual([1]);
    expect(await page.getByTestId("outcome").count()).toBe(0);

    await page.getByTestId("seek-next-turn").click();
    await expect.poll(async () => (await page.locator("[data-testid=log-row]").last().getAttribute("data-event")) ?? "").toBe("llm/request");
    expect(await page.getByTestId("conversation").count()).toBe(1);

    await page.getByTestId("seek-end").click();
    await expect
      .poll(() =>
        page
          .getByTestId("outcome")
          .innerText()
          .catch(() => ""),
      )
      .toContain("run done");
    expect(await seqs()).toEqual(all);
    await page.close();
  });
});
