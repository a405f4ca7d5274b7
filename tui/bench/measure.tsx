/**
 * What `npm run bench:tui` measures inside the TUI's own process (under Bun; bench/tui.ts drives
 * it): the store's apply throughput, the renderer's frame time with many conversations streaming,
 * memory with a long transcript, and the delay from a frame arriving to the store having it.
 */
import { testRender } from "@opentui/solid";
import { createSignal } from "solid-js";
import { decodeOutbound, encodeFrame, type OutboundFrame } from "@escapement/wire-schema";
import { applyFrame, initialViewState, logRowCount, type ViewState } from "../src/domain/index.ts";
import { connectWs, type ConnectionStatus } from "../src/transport/index.ts";
import { App, type AppActions } from "../src/ui/app.tsx";
import { createViewStore } from "../src/ui/view-store.ts";
import { COLOR_THEME } from "../src/ui/theme.ts";

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

export const percentiles = (samples: readonly number[]): Percentiles => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0, count: sorted.length };
};

const T0 = 1_760_000_000_000;
const WORDS = "the chart decides what happens next while the model streams tokens into the pane".split(" ");

/** Builds frames the way a core numbers them: stream seq and transcript seq, both gap-free. */
const frameSource = () => {
  let seq = 0;
  let rowSeq = 0;
  return {
    event(ts: number, event: string, data: unknown): OutboundFrame {
      seq += 1;
      rowSeq += 1;
      return { v: 1, kind: "event", seq, row: { seq: rowSeq, ts, event, data } };
    },
    hello(): OutboundFrame {
      return {
        v: 1,
        kind: "hello",
        seq: 0,
        protocol: { name: "escapement-wire", version: "1.0.0" },
        capabilities: ["resume", "snapshot", "answer", "control"],
        sessionId: "bench",
        runId: "run-1",
        chartId: "fan-out",
        replay: false,
        heartbeatMs: 0,
        maxInboundBytes: 1_048_576,
      };
    },
  };
};

const invokeIdOf = (i: number) => `worker-${String(i).padStart(3, "0")}`;

/** 100 conversations started with a request each: the state a fan-out is in when it streams. */
const startConversations = (source: ReturnType<typeof frameSource>, count: number, ts: number): OutboundFrame[] => {
  const frames: OutboundFrame[] = [source.hello(), source.event(ts, "runner/start-config", { config: ["fan-out", "fan-out.work"] })];
  for (let i = 0; i < count; i++) {
    const invokeId = invokeIdOf(i);
    frames.push(source.event(ts, "llm/conversation-started", { invokeId, stateId: "fan-out.work", model: "fast" }));
    frames.push(
      source.event(ts, "llm/request", {
        invokeId,
        stateId: "fan-out.work",
        turn: 1,
        model: "fast",
        messageCount: 1,
        tools: [],
        ref: `io/${invokeId}-t1-request.json`,
        snippet: "Summarize the file",
      }),
    );
  }
  return frames;
};

/** One token-sized delta (a word and a space), conversations in turn. */
const delta = (source: ReturnType<typeof frameSource>, n: number, count: number, ts: number): OutboundFrame =>
  source.event(ts, "llm/delta", { invokeId: invokeIdOf(n % count), turn: 1, kind: "text", text: `${WORDS[n % WORDS.length]}${n % 12 === 11 ? "\n" : " "}` });

export interface ApplyResult {
  /** Deltas per second through applyFrame alone. */
  readonly applyPerSec: number;
  /** Deltas per second through decodeOutbound (validation, as the transport does) and applyFrame. */
  readonly decodeApplyPerSec: number;
}

export const measureApply = (frames = 200_000, conversations = 100): ApplyResult => {
  const source = frameSource();
  let state = startConversations(source, conversations, T0).reduce(applyFrame, initialViewState());
  const deltas = Array.from({ length: frames }, (_, n) => delta(source, n, conversations, T0 + n));
  const texts = deltas.map((f) => encodeFrame(f));
  const base = state;
  let started = performance.now();
  for (const f of deltas) state = applyFrame(state, f);
  const applyMs = performance.now() - started;
  state = base;
  started = performance.now();
  for (const text of texts) {
    const result = decodeOutbound(text);
    if (result.ok) state = applyFrame(state, result.frame);
  }
  const decodeMs = performance.now() - started;
  return { applyPerSec: (frames / applyMs) * 1000, decodeApplyPerSec: (frames / decodeMs) * 1000 };
};

const noActions: AppActions = { control: () => true, answer: () => true, cancelPrompt: () => true, quit: () => {} };

export interface RenderResult {
  /** Time to apply a tick's frames, publish the state, and render one frame (wall clock). */
  readonly frame: Percentiles;
  /** The same, in CPU time of this process: what the work costs when other processes compete for the cores. */
  readonly frameCpu: Percentiles;
  /** The parts: folding the tick's deltas, publishing to Solid (components update), renderOnce (layout and draw). */
  readonly apply: Percentiles;
  readonly publish: Percentiles;
  readonly draw: Percentiles;
  readonly ticks: number;
  readonly deltas: number;
  readonly logRows: number;
}

/**
 * The App at `width`x`height` with `conversations` streaming `tokensPerSec` tokens a second in
 * total, one frame per `intervalMs` (the view store's publishing interval), for `seconds` of run
 * time. Ticks run back to back; each is timed on its own.
 */
export const measureRender = async (options: {
  width: number;
  height: number;
  conversations: number;
  tokensPerSec: number;
  seconds: number;
  intervalMs?: number;
}): Promise<RenderResult> => {
  const intervalMs = options.intervalMs ?? 33;
  const source = frameSource();
  let now = T0;
  let state = startConversations(source, options.conversations, now).reduce(applyFrame, initialViewState());
  const [view, setView] = createSignal<ViewState>(state, { equals: false });
  const [status] = createSignal<ConnectionStatus>({ state: "connected" });
  const setup = await testRender(() => <App state={view} status={status} actions={noActions} theme={COLOR_THEME} clock={() => now} />, {
    width: options.width,
    height: options.height,
  });
  await setup.renderOnce();
  const frames: number[] = [];
  const cpu: number[] = [];
  const applies: number[] = [];
  const publishes: number[] = [];
  const draws: number[] = [];
  const ticks = Math.round((options.seconds * 1000) / intervalMs);
  let sent = 0;
  let carry = 0;
  for (let tick = 0; tick < ticks; tick++) {
    now += intervalMs;
    carry += (options.tokensPerSec * intervalMs) / 1000;
    const batch = Math.floor(carry);
    carry -= batch;
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < batch; i++) state = applyFrame(state, delta(source, sent++, options.conversations, now));
    const publishStart = performance.now();
    setView(state);
    const drawStart = performance.now();
    await setup.renderOnce();
    const ended = performance.now();
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    frames.push(ended - started);
    applies.push(publishStart - started);
    publishes.push(drawStart - publishStart);
    draws.push(ended - drawStart);
  }
  setup.renderer.destroy();
  // The first frames warm up the JIT; they are not what a running TUI sees.
  const steady = (samples: number[]) => percentiles(samples.slice(5));
  return {
    frame: steady(frames),
    frameCpu: steady(cpu),
    apply: steady(applies),
    publish: steady(publishes),
    draw: steady(draws),
    ticks,
    deltas: sent,
    logRows: logRowCount(state),
  };
};

export interface MemoryResult {
  readonly rows: number;
  readonly logRows: number;
  /** Heap the view state holds after the rows, over an empty one. */
  readonly heapMB: number;
  /** The whole process: Bun, OpenTUI's native renderer, the app, the state. */
  readonly rssMB: number;
  /** The process before the rows (Bun, the modules, nothing applied yet). */
  readonly rssBeforeMB: number;
}

const rowFor = (source: ReturnType<typeof frameSource>, n: number, ts: number): OutboundFrame => {
  const invokeId = `worker-${n % 7}`;
  switch (n % 4) {
    case 0:
      return source.event(ts, "llm/tool-call", {
        invokeId,
        turn: 1,
        toolCallId: `call-${n}`,
        name: "read_file",
        toolKind: "real",
        ref: `io/${invokeId}-t1-tool-call_${n}.json`,
        snippet: `{"path":"src/module-${n}.ts"}`,
      });
    case 1:
      return source.event(ts, "llm/tool-result", {
        invokeId,
        turn: 1,
        toolCallId: `call-${n - 1}`,
        name: "read_file",
        isError: false,
        ref: `io/${invokeId}-t1-tool-call_${n - 1}.json`,
        snippet: "export const value = 42; // and more text to fill a snippet line",
        meta: { bytes: 1834 },
      });
    case 2:
      return source.event(ts, "checkpoint/written", { seq: n, kind: "journal", ref: "checkpoints/journal.jsonl" });
    default:
      return source.event(ts, "runner/event-processed", {
        event: "TICK",
        eventData: { n },
        before: ["c", "c.a"],
        after: ["c", "c.a"],
        entered: [],
        exited: [],
      });
  }
};

const mb = (bytes: number) => bytes / 1024 / 1024;

/** `rows` transcript rows through the real view store, then one frame of the App at 120x40. */
export const measureMemory = async (rows = 100_000): Promise<MemoryResult> => {
  Bun.gc(true);
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBeforeMB = mb(process.memoryUsage().rss);
  const store = createViewStore({ intervalMs: 1_000_000 });
  const source = frameSource();
  store.push(source.hello());
  for (let n = 1; n <= rows; n++) store.push(rowFor(source, n, T0 + n));
  store.flush();
  const [status] = createSignal<ConnectionStatus>({ state: "connected" });
  const setup = await testRender(() => <App state={store.state} status={status} actions={noActions} theme={COLOR_THEME} clock={() => T0 + rows} />, {
    width: 120,
    height: 40,
  });
  await setup.renderOnce();
  Bun.gc(true);
  const heapMB = mb(process.memoryUsage().heapUsed - heapBefore);
  const rssMB = mb(process.memoryUsage().rss);
  const logRows = logRowCount(store.state());
  setup.renderer.destroy();
  store.dispose();
  return { rows, logRows, heapMB, rssMB, rssBeforeMB };
};

export interface LatencyResult {
  /** From a live delta's row time (the core's clock) to the TUI store holding it. */
  readonly latency: Percentiles;
  readonly frames: number;
  /** Deltas that were already in the transcript when the client attached (not timed). */
  readonly backlog: number;
  readonly status: string;
}

/** A valid answer for any prompt the fixture asks, so the run goes on by itself. */
const autoAnswer = (prompt: Extract<OutboundFrame, { kind: "prompt" }>["prompt"]): unknown => {
  switch (prompt.kind) {
    case "confirm":
      return typeof prompt.default === "boolean" ? prompt.default : true;
    case "select":
      return prompt.default ?? prompt.options?.[0]?.value;
    case "multi-select":
      return [];
    default:
      return typeof prompt.default === "string" ? prompt.default : "bench";
  }
};

/**
 * Delta latency through a live wire: connects to `url` with the TUI's own ws client, folds every
 * frame into a view store as the TUI does, answers prompts so the run proceeds, and for each
 * llm/delta written after the client attached takes now − row.ts once the store has applied it.
 * Both clocks are this machine's. Ends at run-finished, or after `timeoutMs`.
 */
export const measureLatency = (url: string, token: string, timeoutMs = 60_000): Promise<LatencyResult> =>
  new Promise((resolve) => {
    const store = createViewStore({ intervalMs: 33 });
    const samples: number[] = [];
    let frames = 0;
    let backlog = 0;
    let attachedAt = Number.POSITIVE_INFINITY;
    let status = "connecting";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.close();
      store.dispose();
      resolve({ latency: percentiles(samples), frames, backlog, status });
    };
    const client = connectWs({
      url,
      token,
      clientName: "escapement-bench-tui",
      onStatus: (s) => void (status = s.state === "closed" ? `closed: ${s.reason}` : s.state),
      onFrame: (frame) => {
        frames++;
        if (frame.kind === "hello") attachedAt = Date.now();
        store.push(frame);
        if (frame.kind === "event" && frame.row.event === "llm/delta") {
          const now = Date.now();
          if (frame.row.ts >= attachedAt) samples.push(now - frame.row.ts);
          else backlog++;
        }
        if (frame.kind === "prompt") client.answer(frame.prompt.promptId, autoAnswer(frame.prompt), `bench-${frame.seq}`);
        if (frame.kind === "run-finished") setTimeout(finish, 50);
      },
    });
    const timer = setTimeout(finish, timeoutMs);
  });
