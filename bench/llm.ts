/**
 * Model-layer bench: `npm run bench:llm [-- --turns 100 --rounds 10 --chars 600]`.
 *
 * Per-turn overhead of Escapement's model layer against calling the AI SDK directly, side by side
 * in one run, on the same local server (the fake Anthropic SSE server from tests/support, in a
 * child process). Each batch runs `turns` streamed turns concurrently; batches of the two modes
 * alternate (which goes first flips every round) after a warm-up, so drift hits both alike.
 *
 * - direct: `streamText` on an `@ai-sdk/anthropic` model, reading the full stream.
 * - layer:  `createModelRouter` (alias -> two targets, needs gate over the catalog, resilience with
 *           a first-token cap, cost and context metrics) over `createTargetClient` (the real
 *           Anthropic adapter), writing llm/request, every llm/delta and llm/response through a
 *           real TranscriptWriter to a temp file.
 *
 * Then the layer's own CPU in process (see bench/llm/inprocess.ts): a target client that streams at
 * once, alone, under the router, and under the router with transcript rows.
 *
 * Reported per mode: median batch wall time, per-turn latency p50/p95, client CPU per turn (this
 * process only; the server's CPU is in its own process), and the layer/direct ratios. Target: the
 * layer's per-turn time <= 1.1x direct.
 *
 * Then the cassette middleware for AI SDK apps (`recordReplay`, see bench/llm/cassette.ts): its
 * per-call time recording beside the bare model (target <= 1.05x), and the replay of `--calls`
 * (1,000) recorded `streamText` calls (target <= 0.3 s). `--only cassette` runs that section alone.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, platform, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { measureCassette } from "./llm/cassette.js";
import { measureInProcess } from "./llm/inprocess.js";
import { directTurn, layerTurn, type Turn } from "./llm/turns.js";
import { int, ratio, table, verdict } from "./runner/table.js";

const TARGET = 1.1;
const RECORD_TARGET = 1.05;
const REPLAY_TARGET_MS = 300;

function parseFlags() {
  const { values } = parseArgs({
    options: {
      turns: { type: "string", default: "100" },
      rounds: { type: "string", default: "10" },
      warmup: { type: "string", default: "3" },
      chars: { type: "string", default: "600" },
      calls: { type: "string", default: "1000" },
      only: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log("usage: npm run bench:llm -- [--turns 100] [--rounds 10] [--warmup 3] [--chars 600] [--calls 1000] [--only cassette]");
    process.exit(0);
  }
  const positive = (name: string, text: string, min = 1): number => {
    const value = Number(text.replace(/_/g, ""));
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name}: expected an integer >= ${min}, got "${text}"`);
    return value;
  };
  return {
    turns: positive("turns", values.turns),
    rounds: positive("rounds", values.rounds),
    warmup: positive("warmup", values.warmup, 0),
    chars: positive("chars", values.chars),
    calls: positive("calls", values.calls),
    only: onlyOf(values.only),
  };
}

async function startServer(chars: number): Promise<{ url: string; chars: number; stop: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "llm", "server.ts"), String(chars)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the bench server did not start within 20 s")), 20_000);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once("exit", (code) => reject(new Error(`the bench server exited early (code ${code})`)));
  });
  const { url, chars: served } = JSON.parse(first) as { url: string; chars: number };
  return {
    url,
    chars: served,
    stop: () => {
      child.stdin!.end();
      child.kill();
    },
  };
}

interface Batch {
  wallMs: number;
  cpuUs: number;
  latencies: number[];
}

async function batch(turn: Turn, turns: number, expectChars: number): Promise<Batch> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: turns }, (_, index) => turn(index)));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const wrong = results.find((result) => result.chars !== expectChars);
  if (wrong) throw new Error(`a turn got ${wrong.chars} characters of text, expected ${expectChars}`);
  return { wallMs, cpuUs: used.user + used.system, latencies: results.map((result) => result.ms) };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const ms = (value: number): string => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
  const flags = parseFlags();
  const dir = mkdtempSync(join(tmpdir(), "escapement-bench-llm-"));
  const server = await startServer(flags.chars);
  const cleanup = (): void => {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  console.log(
    `Escapement model-layer bench: node ${process.version}, ${cpus().length} CPUs, ${platform()}; ` +
      `fake Anthropic SSE server (own process) at ${server.url}, ${server.chars}-character replies in ~8-character deltas\n`,
  );
  try {
    if (flags.only !== "cassette") await layerSections(flags, server, dir);
    await cassetteSection(flags, server, dir);
  } finally {
    cleanup();
  }
}

/** `--only`: one section by name, or every section. */
function onlyOf(value: string | undefined): "cassette" | undefined {
  if (value === undefined || value === "cassette") return value;
  throw new Error(`--only: expected "cassette", got "${value}"`);
}

type Flags = ReturnType<typeof parseFlags>;
type Server = Awaited<ReturnType<typeof startServer>>;

async function cassetteSection(flags: Flags, server: Server, dir: string): Promise<void> {
  const result = await measureCassette({
    url: server.url,
    chars: server.chars,
    dir,
    turns: flags.turns,
    rounds: flags.rounds,
    warmup: flags.warmup,
    calls: flags.calls,
  });
  const recordRatio = result.recordMsPerCall / result.bareMsPerCall;
  console.log(
    `\nThe cassette middleware (recordReplay) on streamText: ${flags.turns} concurrent calls per batch, ${flags.rounds} batches per mode, medians; ` +
      `replay: ${int(result.replayCalls)} recorded calls one after another (cassette of ${int(result.cassetteBytes / 1024)} KiB, loaded in the time), median of 5`,
  );
  console.log(
    table(
      ["measure", "value", "ratio", "target", "result"],
      [
        ["bare model, per call (batch wall)", ms(result.bareMsPerCall), "", "", ""],
        ["recording, per call (batch wall)", ms(result.recordMsPerCall), ratio(recordRatio), `<= ${RECORD_TARGET}x`, verdict(recordRatio <= RECORD_TARGET)],
        [`replay of ${int(result.replayCalls)} calls`, ms(result.replayMs), "", `<= ${REPLAY_TARGET_MS} ms`, verdict(result.replayMs <= REPLAY_TARGET_MS)],
        ["replay, per call", `${int((result.replayMs / result.replayCalls) * 1000)} us`, "", "", ""],
        [`the same ${int(result.replayCalls)} calls, no middleware`, ms(result.floorMs), ratio(result.replayMs / result.floorMs), "", ""],
      ],
      ["l", "r", "r", "l", "l"],
    ),
  );
  console.log(
    `\n  "No middleware" streams the recorded parts at once from a bare model: what streamText itself costs per call ` +
      `(${int((result.floorMs / result.replayCalls) * 1000)} us). The replay's own share is the difference, ${int(((result.replayMs - result.floorMs) / result.replayCalls) * 1000)} us per call.`,
  );
}

async function layerSections(flags: Flags, server: Server, dir: string): Promise<void> {
  {
    const transcriptPath = join(dir, "transcript.jsonl");
    const layer = layerTurn(server.url, transcriptPath);
    const modes: { name: "direct" | "layer"; turn: Turn; batches: Batch[] }[] = [
      { name: "direct", turn: directTurn(server.url), batches: [] },
      { name: "layer", turn: layer.turn, batches: [] },
    ];
    for (let round = 0; round < flags.warmup; round++) {
      for (const mode of modes) await batch(mode.turn, flags.turns, server.chars);
    }
    for (let round = 0; round < flags.rounds; round++) {
      const order = round % 2 === 0 ? modes : [...modes].reverse();
      for (const mode of order) mode.batches.push(await batch(mode.turn, flags.turns, server.chars));
    }
    layer.transcript.close();

    const summary = modes.map((mode) => {
      const latencies = mode.batches.flatMap((b) => b.latencies);
      return {
        name: mode.name,
        wall: median(mode.batches.map((b) => b.wallMs)),
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        cpuPerTurn: median(mode.batches.map((b) => b.cpuUs)) / flags.turns,
      };
    });
    const [direct, routed] = summary as [(typeof summary)[0], (typeof summary)[0]];
    console.log(`${flags.turns} concurrent streamed turns per batch, ${flags.rounds} batches per mode (after ${flags.warmup} warm-up rounds), medians`);
    console.log(
      table(
        ["mode", "batch wall", "per turn (wall/turns)", "turn p50", "turn p95", "client CPU/turn", "turns/s"],
        summary.map((s) => [s.name, ms(s.wall), ms(s.wall / flags.turns), ms(s.p50), ms(s.p95), `${int(s.cpuPerTurn)} us`, int((flags.turns / s.wall) * 1000)]),
        ["l", "r", "r", "r", "r", "r", "r"],
      ),
    );
    const wallRatio = routed.wall / direct.wall;
    console.log("");
    console.log(
      table(
        ["layer / direct", "ratio", "target", "result"],
        [
          ["per-turn time (batch wall)", ratio(wallRatio), `<= ${TARGET}x`, verdict(wallRatio <= TARGET)],
          ["turn latency p50", ratio(routed.p50 / direct.p50), "", ""],
          ["turn latency p95", ratio(routed.p95 / direct.p95), "", ""],
          ["client CPU per turn", ratio(routed.cpuPerTurn / direct.cpuPerTurn), "", ""],
        ],
        ["l", "r", "l", "l"],
      ),
    );
    const inProcess = await measureInProcess({ chars: server.chars, calls: 5_000, concurrency: flags.turns, transcriptPath: join(dir, "inprocess.jsonl") });
    const alone = inProcess[0]!.usPerCall;
    console.log(
      `\nThe layer's own CPU, in process (no network, no SDK: a target client that streams ${Math.ceil(server.chars / 8)} fragments at once), ${flags.turns} in flight, median of 5 x 5,000 calls`,
    );
    console.log(
      table(
        ["path", "CPU per call", "added by the layer"],
        inProcess.map((r) => [r.name, `${int(r.usPerCall)} us`, r === inProcess[0] ? "" : `${int(r.usPerCall - alone)} us`]),
        ["l", "r", "r"],
      ),
    );
    const written = statSync(transcriptPath).size;
    const added = inProcess[inProcess.length - 1]!.usPerCall - alone;
    console.log(
      `\n  The layer's own CPU (router + transcript rows, ${int(added)} us) is ${((added / direct.cpuPerTurn) * 100).toFixed(1)}% of a direct turn's ` +
        `client CPU (${int(direct.cpuPerTurn)} us): the end-to-end ratios above move with the machine's load more than with the layer.`,
    );
    console.log(`  Layer transcript: ${int(written / 1024)} KiB written.`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
