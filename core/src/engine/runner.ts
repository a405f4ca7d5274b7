import { existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { createActor, isMachineSnapshot, type AnyActorRef, type AnyMachineSnapshot, type InspectionEvent } from "xstate";
import type { ChartDefinition } from "./define-chart.js";
import { bindRunServices, type RunServices } from "./run-services.js";
import type { ModelClient, RequestOrigin } from "../llm/protocol.js";
import { readTranscript } from "../runtime/transcript-reader.js";
import { buildModelChain } from "./model-chain.js";
import { defaultLoopThreshold, loadCassette } from "../llm/cassette/index.js";
import type { HumanRenderer } from "../human/human-renderer.js";
import { ToolRegistry, createDefaultRegistry } from "../tools/index.js";
import { ArtifactStore } from "../templates/artifact-store.js";
import { systemClock, type Clock } from "../runtime/clock.js";
import { randomIds, type IdSource } from "../runtime/ids.js";
import { silentLogger, type Logger } from "../runtime/logger.js";
import { CheckpointStore, type CheckpointRecord } from "../runtime/checkpoint-store.js";
import { captureTimers, restoreTimers } from "../runtime/delayed-events.js";
import { Inflight } from "../runtime/inflight.js";
import { IoStore } from "../runtime/io-store.js";
import {
  createSessionDir,
  defaultSessionsRoot,
  locateSession,
  openSessionDir,
  writeManifest,
  type SessionManifest,
  type SessionPaths,
} from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import { activeStates, difference } from "../runtime/state-config.js";
import { stopChildActor } from "../runtime/xstate-internals.js";
import { deltaRows } from "../runtime/delta-rows.js";
import { TranscriptWriter, type RowTap } from "../runtime/transcript-writer.js";
import type { RowInput } from "../runtime/row-input.js";
import { compactEventData } from "../runtime/compact-event.js";
import { DebugGate, type RunGate } from "../debug/debug-gate.js";

export type RunStatus = "done" | "aborted" | "error";

export interface RunChartOptions {
  chart: ChartDefinition;
  /** Absolute path of the chart module, recorded so `--resume` can load it again. */
  chartModule?: string;
  model: ModelClient;
  /** Directory holding session directories. Default `<cwd>/.escapement`. */
  sessionsRoot?: string;
  /** Exact session directory (overrides `sessionsRoot`). */
  sessionDir?: string;
  /** Resume this session (an id under `sessionsRoot`, or a directory) instead of starting anew. */
  resume?: string;
  input?: unknown;
  tools?: ToolRegistry;
  human?: HumanRenderer;
  workDir?: string;
  cwd?: string;
  clock?: Clock;
  ids?: IdSource;
  log?: Logger;
  signal?: AbortSignal;
  /** Rows after they are on disk (renderers, progress). */
  taps?: RowTap[];
  /** End the run when nothing is in flight and nothing happens for `cycles` checks `intervalMs` apart. */
  wedge?: { intervalMs: number; cycles: number };
  checkpointCompactBytes?: number;
  /** The debugger gate (pause, step, interrupt, quit); default: an open gate nothing controls. */
  debug?: RunGate;
  /** Called once the session directory exists, before the first row is written. */
  onStart?: (info: RunStartInfo) => void;
  /** Stop the run when the same model request is sent this many times (default 10); false: off. */
  loopThreshold?: number | false;
  /** This run is a child session of that session (a fleet child, see core/src/fleet): recorded in session.json and runner/started. */
  parentSessionId?: string;
  /** The session whose recorded calls this run replays (`--replay`): a fork links to its parent. */
  forkedFrom?: string;
  /** Write the session's cassette.jsonl (default true). Fleet children do not: their calls are in the parent's. */
  recordCassette?: boolean;
  /**
   * Rows recorded right after `runner/started` (and `runner/resumed`): what the host learned while
   * preparing the run, e.g. `mcp/server-failed` for an MCP server that did not start.
   */
  startRows?: ReadonlyArray<RowInput>;
}

/** A run that has started: its result, and a way to send events into its root actor. */
export interface ChartHandle {
  sessionId: string;
  runId: string;
  sessionDir: string;
  /** Settles when the run ends (never rejects once started). */
  result: Promise<RunResult>;
  /** Sends an event to the chart's root actor; false once the run has ended. */
  send(event: { type: string; [key: string]: unknown }): boolean;
  /** The root actor's latest snapshot (the final one once the run has ended). */
  snapshot(): AnyMachineSnapshot | undefined;
}

export interface RunStartInfo {
  sessionId: string;
  runId: string;
  chartId: string;
  sessionDir: string;
  resumed: boolean;
}

export interface RunResult {
  sessionId: string;
  runId: string;
  sessionDir: string;
  transcriptPath: string;
  status: RunStatus;
  finalConfig: string[];
  error?: { category: string; message: string };
}

interface Prepared {
  paths: SessionPaths;
  manifest: SessionManifest;
  checkpoint: CheckpointRecord | undefined;
  nextSeq: number;
  offset: number;
}

function prepareNew(options: RunChartOptions, clock: Clock, ids: IdSource): Prepared {
  const now = clock.now();
  const cwd = options.cwd ?? process.cwd();
  const sessionId = options.sessionDir ? basename(resolve(options.sessionDir)) : ids.sessionId(now);
  const root = options.sessionDir ? resolve(cwd, options.sessionDir) : join(options.sessionsRoot ?? defaultSessionsRoot(cwd), sessionId);
  const manifest: SessionManifest = {
    sessionId,
    chartId: options.chart.id,
    chartModule: options.chartModule ?? "",
    createdAt: now,
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.parentSessionId ? { parentSessionId: options.parentSessionId } : {}),
    ...(options.forkedFrom ? { forkedFrom: options.forkedFrom } : {}),
    status: "running",
  };
  return { paths: createSessionDir(root, manifest), manifest, checkpoint: undefined, nextSeq: 1, offset: 0 };
}

/** Finds the session to resume and cuts the transcript back to its latest checkpoint. */
export function prepareResume(target: string, chartId: string | undefined, cwd: string, sessionsRoot?: string): Prepared {
  const { paths, manifest } = openSessionDir(locateSession(target, sessionsRoot ?? defaultSessionsRoot(cwd), cwd));
  if (manifest.status !== "running") {
    throw new SessionError("session-finished", `session ${manifest.sessionId} already finished (status ${manifest.status}); nothing to resume`);
  }
  if (chartId !== undefined && chartId !== manifest.chartId) {
    throw new SessionError("chart-mismatch", `session ${manifest.sessionId} ran chart "${manifest.chartId}", not "${chartId}"`);
  }
  const checkpoint = CheckpointStore.load(paths.checkpoints);
  const size = existsSync(paths.transcript) ? statSync(paths.transcript).size : 0;
  if (!checkpoint) {
    if (size > 0)
      throw new SessionError("checkpoint-missing", `session ${manifest.sessionId} has a transcript but no checkpoint in ${paths.checkpoints.journal}`);
    return { paths, manifest, checkpoint, nextSeq: 1, offset: 0 };
  }
  if (size < checkpoint.offset) {
    throw new SessionError("checkpoint-malformed", `checkpoint at seq ${checkpoint.seq} points past the end of ${paths.transcript}`);
  }
  if (size > checkpoint.offset) {
    // Rows after the checkpoint were never acted on (effects wait for the flush that checkpoints);
    // keep them aside for inspection and cut the transcript back so seq stays gap-free.
    const tail = readFileSync(paths.transcript).subarray(checkpoint.offset);
    writeFileSync(join(paths.root, `orphaned-after-${checkpoint.seq}.jsonl`), tail);
    truncateSync(paths.transcript, checkpoint.offset);
  }
  return { paths, manifest, checkpoint, nextSeq: checkpoint.seq + 1, offset: checkpoint.offset };
}

/**
 * Runs a chart to completion: every processed event becomes a transcript row, the run
 * checkpoints at every flush, and effects (model calls, tools, prompts) start only after the
 * rows that led to them are on disk.
 */
export async function runChart(options: RunChartOptions): Promise<RunResult> {
  return (await startChart(options)).result;
}

/**
 * `runChart`, returning as soon as the chart's actor has started: the handle carries the result
 * and `send`, which routes events into the root actor (fleets use it to talk to child sessions).
 */
export async function startChart(options: RunChartOptions): Promise<ChartHandle> {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const log = options.log ?? silentLogger;
  const cwd = options.cwd ?? process.cwd();
  const prepared = options.resume ? prepareResume(options.resume, options.chart.id, cwd, options.sessionsRoot) : prepareNew(options, clock, ids);
  const { paths, manifest } = prepared;
  const runId = ids.runId();
  options.onStart?.({ sessionId: manifest.sessionId, runId, chartId: options.chart.id, sessionDir: paths.root, resumed: prepared.checkpoint !== undefined });
  const gate: RunGate = options.debug ?? new DebugGate();
  const history = prepared.checkpoint ? await callHistory(paths.transcript) : { completed: [], interrupted: [] };
  if (history.completed.length > 0) options.model.skipCompleted?.(history.completed);
  const workDir = options.workDir ?? cwd;
  // The process's own directory exists; a given one is made if it is missing.
  if (options.workDir !== undefined || options.cwd !== undefined) mkdirSync(workDir, { recursive: true });

  let actor: AnyActorRef | undefined;
  let dirty = true;
  const checkpoints = new CheckpointStore(paths.checkpoints, {
    ...(options.checkpointCompactBytes === undefined ? {} : { compactBytes: options.checkpointCompactBytes }),
    onCompact: (record) => transcript.append("checkpoint/written", { seq: record.seq, kind: "snapshot", ref: basename(paths.checkpoints.snapshot) }),
  });
  const clockOffset = () => clock.now() - Date.now();
  const transcript: TranscriptWriter = new TranscriptWriter(paths.transcript, {
    clock,
    nextSeq: prepared.nextSeq,
    offset: prepared.offset,
    streamRows: deltaRows,
    afterWrite: (seq, offset) => {
      if (!dirty || !actor) return;
      dirty = false;
      checkpoints.write({ seq, offset, ts: clock.now(), state: actor.getPersistedSnapshot(), timers: captureTimers(actor, clockOffset()) });
    },
    // A flush the writer scheduled itself failed (disk full, no file descriptors): nothing more can be made durable.
    onError: (error) => failRun("session-io", `writing the session failed: ${(error as Error).message}`),
  });
  for (const tap of options.taps ?? []) transcript.tap(tap);

  const chain = buildModelChain(options.model, {
    cassettePath: paths.cassette,
    chartId: options.chart.id,
    sessionId: manifest.sessionId,
    clock,
    recordedCalls: prepared.checkpoint ? await countRecordedCalls(paths.cassette) : 0,
    loopThreshold: options.loopThreshold ?? defaultLoopThreshold,
    ...(options.recordCassette === false ? { record: false } : {}),
  });
  const inflight = new Inflight();
  const loopThreshold = options.loopThreshold ?? defaultLoopThreshold;
  const runAbort = new AbortController();
  const services: RunServices = {
    sessionId: manifest.sessionId,
    runId,
    chartId: options.chart.id,
    workDir,
    clock,
    transcript,
    io: new IoStore(paths.root),
    artifacts: new ArtifactStore(paths.root),
    model: chain.model,
    tools: options.tools ?? registryFor(options.chart),
    human: options.human ?? refusingHuman,
    log,
    inflight,
    debug: gate,
    signal: runAbort.signal,
    fail: (category, message) => failRun(category, message),
    // What child sessions (core/src/fleet) inherit: their calls go through this run's cassette
    // recorder (so one cassette replays the whole fleet) but not its loop guard (each child has its own).
    childHost: {
      sessionDir: paths.root,
      model: chain.recorded,
      cwd,
      ids,
      loopThreshold,
      ...(options.wedge ? { wedge: options.wedge } : {}),
      ...(options.checkpointCompactBytes === undefined ? {} : { checkpointCompactBytes: options.checkpointCompactBytes }),
    },
  };
  let failRun: (category: string, message: string) => void = () => {};

  const chartId = options.chart.id;
  transcript.append("runner/started", {
    sessionId: manifest.sessionId,
    runId,
    chartId,
    resumed: prepared.checkpoint !== undefined,
    ...(manifest.parentSessionId ? { parentSessionId: manifest.parentSessionId } : {}),
    ...(manifest.forkedFrom ? { forkedFrom: manifest.forkedFrom } : {}),
  });
  if (prepared.checkpoint) {
    transcript.append("runner/resumed", { fromSeq: prepared.nextSeq, checkpointSeq: prepared.checkpoint.seq });
    // Requests the crash cut off: the resumed conversation issues these turns again.
    for (const origin of history.interrupted) transcript.append("llm/turn-interrupted", origin);
  }
  for (const row of options.startRows ?? []) transcript.append(row.event, row.data);

  let deliver: ChartHandle["send"] = () => false;
  const result = new Promise<RunResult>((resolveRun) => {
    let before: string[] = [];
    let finished = false;
    let lastActivitySeq = -1;
    let idleChecks = 0;

    const finish = (status: RunStatus, error?: { category: string; message: string }) => {
      if (finished) return;
      finished = true;
      clearInterval(wedgeTimer);
      gate.close();
      options.signal?.removeEventListener("abort", onAbort);
      const snapshot = actor?.getSnapshot() as AnyMachineSnapshot | undefined;
      const finalConfig = isMachineSnapshot(snapshot) ? activeStates(snapshot) : [];
      if (error) transcript.append("runner/error", error);
      if (status !== "done") {
        runAbort.abort();
        actor?.stop();
        // A machine that errored is stopped without stopping its invoked actors (xstate): stop them
        // here, so no conversation or fleet outlives the run and writes after runner/done.
        // (As xstate's own stopChild does: the public `stop()` refuses non-root actors.)
        for (const child of Object.values((snapshot as { children?: Record<string, AnyActorRef | undefined> } | undefined)?.children ?? {})) {
          if (child) stopChildActor(child);
        }
      }
      dirty = true;
      // Whatever fails while closing (a full disk, say), the run settles: with status error, naming it.
      let closing: { category: string; message: string } | undefined;
      const attempt = (step: () => void) => {
        try {
          step();
        } catch (failure) {
          closing ??= { category: "session-io", message: `closing the session failed: ${(failure as Error).message}` };
        }
      };
      attempt(() => transcript.append("runner/done", { finalConfig, status, ...(error ? { error } : {}) }));
      attempt(() => transcript.close());
      attempt(() => checkpoints.close());
      attempt(() => chain.close());
      const settled = closing ? "error" : status;
      const reported = error ?? closing;
      attempt(() => writeManifest(paths, { ...manifest, status: settled, endedAt: clock.now() }));
      resolveRun({
        sessionId: manifest.sessionId,
        runId,
        sessionDir: paths.root,
        transcriptPath: paths.transcript,
        status: settled,
        finalConfig,
        ...(reported ? { error: reported } : {}),
      });
    };

    const inspect = (event: InspectionEvent) => {
      if (event.type !== "@xstate.snapshot" || finished) return;
      dirty = true;
      if (event.actorRef !== actor) return;
      const snapshot = event.snapshot as AnyMachineSnapshot;
      const after = activeStates(snapshot);
      if (event.event.type === "xstate.init") return;
      const { type, ...eventData } = event.event as { type: string };
      transcript.append("runner/event-processed", {
        event: type,
        ...(Object.keys(eventData).length > 0 ? { eventData: compactEventData(eventData) } : {}),
        before,
        after,
        entered: difference(after, before),
        exited: difference(before, after),
      });
      before = after;
      if (snapshot.status === "done") finish("done");
    };

    deliver = (event) => {
      if (finished || !actor) return false;
      actor.send(event);
      return true;
    };
    const onAbort = () => finish("aborted");
    gate.bind({ record: (event, data) => transcript.append(event, data), quit: () => finish("aborted") });
    failRun = (category, message) => queueMicrotask(() => finish("error", { category, message }));
    options.signal?.addEventListener("abort", onAbort, { once: true });

    // Checked twice a second: a check per session every 100 ms adds up over thousands of sessions.
    const wedge = options.wedge ?? { intervalMs: 500, cycles: 10 };
    const wedgeTimer = setInterval(() => {
      if (finished) return;
      // A paused debugger is not a wedge: the human is looking.
      const busy = inflight.count > 0 || captureTimers(actor!).length > 0 || gate.paused;
      if (busy || transcript.lastSeq !== lastActivitySeq) {
        lastActivitySeq = transcript.lastSeq;
        idleChecks = 0;
        return;
      }
      if (++idleChecks >= wedge.cycles) {
        const config = activeStates(actor!.getSnapshot() as AnyMachineSnapshot).join(", ");
        finish("error", {
          category: "wedged",
          message: `no progress for ${wedge.cycles} checks (${wedge.cycles * wedge.intervalMs} ms): the chart is in [${config}] with no conversation turn, tool, prompt or timer pending`,
        });
      }
    }, wedge.intervalMs);

    if (options.signal?.aborted) {
      finish("aborted");
      return;
    }
    try {
      actor = createActor(options.chart.machine, {
        ...(prepared.checkpoint ? { snapshot: prepared.checkpoint.state as never } : {}),
        ...(options.input === undefined ? {} : { input: options.input }),
        inspect,
        clock: { setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (handle) => clock.clearTimeout(handle) },
      });
      bindRunServices(actor.system, services);
      // The initial configuration exists before start; children (conversations) start inside start().
      before = activeStates(actor.getSnapshot() as AnyMachineSnapshot);
      transcript.append("runner/start-config", { config: before });
      actor.subscribe({
        error: (error) => finish("error", { category: "chart", message: (error as Error).message }),
      });
      actor.start();
      if (prepared.checkpoint) restoreTimers(actor, prepared.checkpoint.timers, clock.now());
      if ((actor.getSnapshot() as AnyMachineSnapshot).status === "done") finish("done");
    } catch (error) {
      finish("error", { category: "chart", message: `chart "${chartId}" failed to start: ${(error as Error).message}` });
    }
  });
  return {
    sessionId: manifest.sessionId,
    runId,
    sessionDir: paths.root,
    result,
    send: (event) => deliver(event),
    snapshot: () => actor?.getSnapshot() as AnyMachineSnapshot | undefined,
  };
}

/**
 * Model calls in a transcript: finished (answered or failed) in order, and those left without an
 * answer. Rows mirrored from child sessions (they carry `childSessionId`) are the children's calls,
 * not this session's. `maxSeq`: only rows up to that seq (what a resume keeps).
 */
export async function callHistory(transcriptPath: string, maxSeq = Infinity): Promise<{ completed: RequestOrigin[]; interrupted: RequestOrigin[] }> {
  const completed: RequestOrigin[] = [];
  const open = new Map<string, RequestOrigin>();
  for await (const row of readTranscript(transcriptPath)) {
    if (row.seq > maxSeq) break;
    const data = row.data as { invokeId?: string; stateId?: string; turn?: number; childSessionId?: string };
    if (data.childSessionId !== undefined) continue;
    if (row.event === "llm/conversation-ended") {
      for (const [key, origin] of open) if (origin.invokeId === data.invokeId) open.delete(key);
      continue;
    }
    if (!data.invokeId || !data.stateId || data.turn === undefined) continue;
    const origin = { invokeId: data.invokeId, stateId: data.stateId, turn: data.turn };
    const key = `${origin.invokeId}#${origin.turn}`;
    if (row.event === "llm/request") open.set(key, origin);
    else if (row.event === "llm/response" || row.event === "llm/error") {
      open.delete(key);
      completed.push(origin);
    } else if (row.event === "llm/turn-interrupted") open.delete(key);
  }
  return { completed, interrupted: [...open.values()] };
}

async function countRecordedCalls(cassettePath: string): Promise<number> {
  if (!existsSync(cassettePath)) return 0;
  try {
    return (await loadCassette(cassettePath)).calls.length;
  } catch {
    return 0;
  }
}

function registryFor(chart: ChartDefinition): ToolRegistry {
  const registry = createDefaultRegistry();
  for (const tool of chart.tools ?? []) registry.register(tool);
  return registry;
}

const refusingHuman: HumanRenderer = {
  ask: async (request) => {
    throw new Error(`prompt "${request.promptId}" needs a human, but this run has no human renderer`);
  },
};
