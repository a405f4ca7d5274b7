/**
 * Browser renderer bench: `npm run bench:web`.
 *
 * The built page (web/dist) and a wire server, the real WireServer and WireHub as `run --web` uses
 * them, in this process; the hub is fed a synthetic run: CONVERSATIONS conversations streaming
 * `llm/delta` rows, TOKENS_PER_SEC tokens a second in total (a token is one delta of 4 characters,
 * see bench/web/synthetic-run.ts), each ending a turn every 200 tokens. Debian's Chromium (driven
 * by playwright-core) shows the page at 1280x800 for a fixed window while it streams, and the page
 * measures itself (bench/web/page-probe.ts):
 *
 * - main-thread long tasks (over 50 ms) a minute. Target: 0.
 * - frame rate (requestAnimationFrame callbacks a second). Target: >= 50 fps.
 *
 * Also printed: the idle page's frame rate (what this machine's Chromium manages with nothing
 * streaming), frame gaps, the worst long tasks, and whether the page showed every character sent.
 * The machine's load average at the start and the end, and the share of its CPU the bench and
 * everything else used in the window (bench/web/cpu-share.ts), say how much else was running. Targets
 * missed are reported, not failed: the exit code is non-zero only when the bench cannot run.
 *
 * Flags: --seconds N (window, default 20), --conversations N (100), --tokens-per-sec N (2000),
 * --backlog N (rows in the log before the streaming starts, default 0; the log keeps 5,000),
 * --cpu-profile FILE (the page's CPU profile over the window, for chrome://inspect or speedscope;
 * the functions with the most self time are printed; build web/ unminified to read their names).
 * ESCAPEMENT_CHROMIUM names another Chromium, ESCAPEMENT_WEB_DIST another build of the page.
 */
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { webUrl } from "../core/src/cli/web-dist.js";
import { staticFiles } from "../core/src/wire/web-static.js";
import { WireHub } from "../core/src/wire/wire-hub.js";
import { WireServer } from "../core/src/wire/wire-server.js";
import { hotFunctions, type CpuProfile } from "./web/cpu-profile.js";
import { cpuSample, cpuShare } from "./web/cpu-share.js";
import { numberedSink, startFeed } from "./web/feed.js";
import { END_WINDOW, PROBE_SCRIPT, SHOWN, START_WINDOW, type Shown, type WindowResult } from "./web/page-probe.js";
import { TOKEN_CHARS, TURN_TOKENS, openingRows, shownChars } from "./web/synthetic-run.js";

const TARGET_LONG_TASKS_PER_MIN = 0;
const TARGET_FPS = 50;
const IDLE_MS = 2_000;
const WARM_UP_MS = 1_000;
const FEED_TICK_MS = 10;
const VIEWPORT = { width: 1280, height: 800 };

const repo = resolve(import.meta.dirname, "..");

/** A reason the bench cannot run: printed as one line, exit 1. */
class BenchError extends Error {}

const positive = (name: string, text: string): number => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new BenchError(`--${name}: expected a positive number, got "${text}"`);
  return value;
};

const whole = (name: string, text: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new BenchError(`--${name}: expected a whole number, got "${text}"`);
  return value;
};

const flags = () => {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "20" },
      conversations: { type: "string", default: "100" },
      "tokens-per-sec": { type: "string", default: "2000" },
      backlog: { type: "string", default: "0" },
      "cpu-profile": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log("usage: npm run bench:web -- [--seconds 20] [--conversations 100] [--tokens-per-sec 2000] [--backlog 0] [--cpu-profile FILE]");
    process.exit(0);
  }
  return {
    seconds: positive("seconds", values.seconds),
    conversations: Math.round(positive("conversations", values.conversations)),
    tokensPerSec: positive("tokens-per-sec", values["tokens-per-sec"]),
    backlog: whole("backlog", values.backlog),
    cpuProfile: values["cpu-profile"],
  };
};

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Polls `read` until `ok` holds or `ms` passes; the last value read, and when it held (or undefined). */
const pollUntil = async <T>(read: () => Promise<T>, ok: (value: T) => boolean, ms: number): Promise<{ value: T; tookMs?: number }> => {
  const start = performance.now();
  for (;;) {
    const value = await read();
    if (ok(value)) return { value, tookMs: performance.now() - start };
    if (performance.now() - start > ms) return { value };
    await sleep(50);
  }
};

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
const fixed = (n: number, digits = 1) => n.toFixed(digits);
const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const row = (label: string, value: string, target = "", ratio = "", verdict = "") =>
  console.log(`  ${label.padEnd(30)} ${value.padStart(12)}  ${target.padEnd(10)} ${ratio.padStart(7)}  ${verdict}`);

async function main(): Promise<void> {
  const options = flags();
  const chromiumPath = process.env.ESCAPEMENT_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(chromiumPath)) throw new BenchError(`no Chromium at ${chromiumPath}: apt-get install chromium, or set ESCAPEMENT_CHROMIUM`);
  const dist = resolve(process.env.ESCAPEMENT_WEB_DIST ?? join(repo, "web", "dist"));
  if (!existsSync(join(dist, "index.html"))) throw new BenchError(`no built page at ${dist} (no index.html): npm run build -w @escapement/web`);
  const { chromium } = await import("playwright-core");

  const loadAtStart = load();
  const opening = openingRows(options.conversations, Date.now(), options.backlog);
  // No transcript on disk to re-create older frames from: the hub keeps the whole opening in memory.
  const hub = new WireHub({ windowFrames: opening.length + 4096 });
  const token = randomBytes(16).toString("hex");
  const server = await WireServer.start({ hub, token, http: staticFiles(dist) });
  const sink = numberedSink(hub.ingest);
  sink(opening);

  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath }).catch((error: Error) => {
      throw new BenchError(`Chromium at ${chromiumPath} did not start: ${error.message.split("\n")[0]}`);
    });
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.addInitScript(PROBE_SCRIPT);
    await page.goto(webUrl(server.httpUrl, token));
    const shown = () => page.evaluate(SHOWN) as Promise<Shown>;
    const attached = await pollUntil(shown, (s) => s.conversations === options.conversations && s.logRows > 0, 30_000);
    if (attached.tookMs === undefined)
      throw new BenchError(
        `the page showed ${attached.value.conversations} of ${options.conversations} conversations and ${attached.value.logRows} log rows after 30 s`,
      );

    await page.evaluate(START_WINDOW);
    await sleep(IDLE_MS);
    const idle = (await page.evaluate(END_WINDOW)) as WindowResult;

    const feed = startFeed({
      sink,
      conversations: options.conversations,
      tokensPerSec: options.tokensPerSec,
      tickMs: FEED_TICK_MS,
      now: () => performance.now(),
      every: (fn, ms) => {
        const timer = setInterval(fn, ms);
        return () => clearInterval(timer);
      },
    });
    await sleep(WARM_UP_MS);
    const cdp = options.cpuProfile ? await page.context().newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
      await cdp.send("Profiler.start");
    }
    const sentBefore = feed.sent();
    const fedFrom = performance.now();
    const cpuBefore = cpuSample(process.pid);
    await page.evaluate(START_WINDOW);
    await sleep(options.seconds * 1000);
    const measured = (await page.evaluate(END_WINDOW)) as WindowResult;
    const cpu = cpuShare(cpuBefore, cpuSample(process.pid), cpus().length);
    const sentInWindow = feed.sent() - sentBefore;
    const fedMs = performance.now() - fedFrom;
    const profile = cdp ? ((await cdp.send("Profiler.stop")).profile as CpuProfile) : undefined;
    feed.stop();
    const sent = feed.sent();
    const expected = shownChars(sent, options.conversations);
    const settled = await pollUntil(shown, (s) => s.chars === expected, 15_000);
    const loadAtEnd = load();

    const minutes = measured.ms / 60_000;
    const longPerMin = measured.longTasks.length / minutes;
    const fps = (measured.frames / measured.ms) * 1000;
    const idleFps = (idle.frames / idle.ms) * 1000;
    const longMs = measured.longTasks.reduce((n, t) => n + t.ms, 0);
    const worst = [...measured.longTasks].sort((a, b) => b.ms - a.ms).slice(0, 5);

    console.log(
      `web bench: ${options.conversations} conversations streaming ${options.tokensPerSec.toLocaleString("en-US")} tokens/s in total ` +
        `(a token = one llm/delta row of ${TOKEN_CHARS} characters; a turn ends every ${TURN_TOKENS} tokens), ` +
        `${fixed(measured.ms / 1000)} s window after ${WARM_UP_MS / 1000} s warm-up`,
    );
    console.log(`Chromium ${browser.version()} (${chromiumPath}) at ${VIEWPORT.width}x${VIEWPORT.height}, node ${process.version}, ${cpus().length} cores`);
    console.log(`load average (1, 5, 15 min): ${loadAtStart} at start, ${loadAtEnd} at end`);
    if (cpu) {
      const pct = (share: number) => `${Math.round(share * 100)}%`;
      console.log(
        `CPU in the window (share of all ${cpu.cores} cores): ${pct(cpu.machine)} busy, ${pct(cpu.bench)} this bench (node and Chromium), ` +
          `${pct(Math.max(0, cpu.machine - cpu.bench))} everything else`,
      );
    }
    console.log(
      `fed ${sentInWindow.toLocaleString("en-US")} tokens in the window (${Math.round(sentInWindow / (fedMs / 1000)).toLocaleString("en-US")}/s); ` +
        `${feed.rows().toLocaleString("en-US")} rows in all`,
    );
    console.log("");
    row("figure", "measured", "target", "ratio", "");
    row("long tasks (> 50 ms) / min", fixed(longPerMin), `${TARGET_LONG_TASKS_PER_MIN}`, "-", longPerMin <= TARGET_LONG_TASKS_PER_MIN ? "PASS" : "MISS");
    row("frame rate", `${fixed(fps)} fps`, `>= ${TARGET_FPS} fps`, `${(fps / TARGET_FPS).toFixed(2)}x`, fps >= TARGET_FPS ? "PASS" : "MISS");
    console.log("");
    row("idle page frame rate", `${fixed(idleFps)} fps`);
    row(
      "frame gap p50 / p99 / max",
      `${fixed(percentile(measured.gaps, 50))} / ${fixed(percentile(measured.gaps, 99))} / ${fixed(Math.max(0, ...measured.gaps))} ms`,
    );
    row("long tasks in the window", `${measured.longTasks.length} (${Math.round(longMs)} ms)`);
    if (worst.length > 0) row("longest", worst.map((t) => `${Math.round(t.ms)} ms @${fixed(t.at / 1000)} s`).join(", "));
    const final = settled.value;
    row(
      "page shows what was sent",
      settled.tookMs === undefined ? `no: ${final.chars} of ${expected} chars` : `yes, ${Math.round(settled.tookMs)} ms after the feed stopped`,
    );
    row("log rows in the document", String(final.logRows));
    if (profile && options.cpuProfile) {
      writeFileSync(options.cpuProfile, JSON.stringify(profile));
      console.log(`\nCPU profile of the window: ${options.cpuProfile}; most self time:`);
      for (const hot of hotFunctions(profile, 15))
        console.log(`  ${fixed(hot.ms, 0).padStart(7)} ms ${(hot.share * 100).toFixed(1).padStart(5)}%  ${hot.name} ${hot.where}`);
    }
  } finally {
    await browser?.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof BenchError) console.error(`bench:web: ${error.message}`);
  else console.error(`bench:web failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
