import type { EventData } from "@escapement/wire-schema";
import { createActor, isMachineSnapshot, type AnyActorRef, type AnyMachineSnapshot, type InspectionEvent } from "xstate";
import type { RunChartOptions, RunResult, RunStatus } from "./run-options.js";
import { bindRunServices, type RunServices } from "./run-services.js";
import type { RequestOrigin } from "../llm/protocol.js";
import type { Clock } from "../runtime/clock.js";
import type { CheckpointRecord, CheckpointStore } from "../runtime/checkpoint-store.js";
import { captureTimers, restoreTimers } from "../runtime/delayed-events.js";
import { parkingCheck, parkInterval, type ParkWatchState } from "./park-watch.js";
import type { Inflight } from "../runtime/inflight.js";
import type { ParkedOn, SessionManifest } from "../runtime/session-dir.js";
import type { SessionWriter } from "../store/index.js";
import { afterDurable, isPending, leaveToDurable } from "../runtime/durable.js";
import { activeStates, difference } from "../runtime/active-states.js";
import { interceptInspection, stopChildActor } from "../runtime/xstate-internals.js";
import type { TranscriptWriter } from "../runtime/transcript-writer.js";
import type { SecretScrubber } from "../runtime/secret-scrubber.js";
import { compactEventData } from "../runtime/compact-event.js";
import type { RunGate } from "../debug/debug-gate.js";
import { isRunInterruption } from "./run-interruption.js";
import { guardInspector } from "./host-inspector.js";
import type { RunSpan } from "./run-tracing.js";
import type { RecordedState } from "./recorded-states.js";
import type { ReportedDivergence, StateWatch } from "./state-watch.js";
import type { DivergenceNotice } from "./state-divergence.js";

/**
 * Where a run is. It only moves forward:
 *
 *   starting   the session is open and announced; the chart's actor is being created and started
 *   running    the actor has started: events flow, and every flush checkpoints
 *   finishing  an ending won (final state, chart error, `fail`, abort, debugger quit, wedge); the session is closing
 *   done | failed | aborted   the result has settled (failed: status error)
 *
 * `finish` is the only way out of starting and running, and the first ending to reach it wins: a
 * later one (a child failing as it is stopped, a wedge check after done) finds the run no longer live.
 *
 * @internal
 */
export type RunPhase = "starting" | "running" | "finishing" | "done" | "failed" | "aborted";

/** @internal Why a run ended with status error. */
export interface RunError {
  category: string;
  message: string;
}

/** @internal How often the wedge guard looks, and how many idle looks in a row are a wedge. */
export interface WedgeGuard {
  intervalMs: number;
  cycles: number;
}

// Checked twice a second: a check per session every 100 ms adds up over thousands of sessions.
const defaultWedge: WedgeGuard = { intervalMs: 500, cycles: 10 };

/**
 * One run: what it is made of (fixed once assembled, see runner.ts) and where it is in its
 * lifecycle (the fields below the line). Every transition in this module reads and writes only this.
 *
 * @internal
 */
export interface Run {
  readonly options: RunChartOptions;
  readonly runId: string;
  /** The session's store writer: the manifest and the live lock go through it. */
  readonly writer: SessionWriter;
  readonly manifest: SessionManifest;
  /** The checkpoint a resume starts from; undefined for a new session. */
  readonly checkpoint: CheckpointRecord | undefined;
  readonly clock: Clock;
  readonly gate: RunGate;
  readonly transcript: TranscriptWriter;
  readonly checkpoints: CheckpointStore;
  /** Redacts the run's keys from whatever it writes or tells. */
  readonly scrubber: SecretScrubber;
  /** The model chain's cassette recorder, closed with the session. */
  readonly chain: { close(): void };
  /** The run's OpenTelemetry span, ended as the result settles. */
  readonly span: RunSpan;
  readonly inflight: Inflight;
  /** Aborted when the run ends any way but done: effects still in flight give up. */
  readonly abort: AbortController;
  readonly services: RunServices;
  /** The chart's state hashes, and the recording a replay compares them with (see state-watch.ts). */
  readonly states: StateWatch;
  /** On a resume: the state the transcript recorded after the last event the checkpoint covers (see `startActor`). */
  readonly resumedFrom: RecordedState | undefined;
  /** The caller's abort signal's listener, kept so `finish` can remove it. */
  readonly onAbort: () => void;
  readonly result: Promise<RunResult>;
  /** Settles `result`; only `finish` calls it, once. */
  readonly settle: (result: RunResult) => void;
  // ---
  phase: RunPhase;
  actor: AnyActorRef | undefined;
  /** The chart changed since the last checkpoint: the next flush writes one. */
  dirty: boolean;
  /** The root's active states before the event being processed (runner/event-processed's `before`). */
  activeStates: string[];
  /** The root's context last told to `onContext` (compared by identity: xstate's assign makes a new one). */
  toldContext: unknown;
  /** The wedge guard: the last seq it saw, how many checks in a row saw no progress, its timer. */
  idle: { lastSeq: number; checks: number; timer: ReturnType<typeof setInterval> | undefined };
  /** The park watch (with `options.park`): what it last saw, and its timer. */
  parking?: { state: ParkWatchState; timer: ReturnType<typeof setInterval> };
  /** Set as the run parks: what its session waits on. */
  parked?: ParkedOn;
}

/** @internal Starting or running: the run still takes events, and an ending can still win. */
export const isLive = (run: Run): boolean => run.phase === "starting" || run.phase === "running";

/** @internal The run's first rows, before the chart's: started, resumed (with the turns the crash cut off), the host's start rows. */
export function announce(run: Run, interrupted: readonly RequestOrigin[]): void {
  const { manifest, checkpoint, transcript } = run;
  transcript.append("runner/started", {
    sessionId: manifest.sessionId,
    runId: run.runId,
    chartId: run.options.chart.id,
    resumed: checkpoint !== undefined,
    ...(manifest.parentSessionId ? { parentSessionId: manifest.parentSessionId } : {}),
    ...(manifest.forkedFrom ? { forkedFrom: manifest.forkedFrom } : {}),
  });
  if (checkpoint) {
    transcript.append("runner/resumed", { fromSeq: checkpoint.seq + 1, checkpointSeq: checkpoint.seq });
    // Requests the crash cut off: the resumed conversation issues these turns again.
    for (const origin of interrupted) transcript.append("llm/turn-interrupted", origin);
  }
  for (const row of run.options.startRows ?? []) transcript.append(row.event, row.data);
}

/** @internal Arms the endings that come from outside the chart: the debugger's quit, the caller's abort signal, the wedge guard. */
export function armEndings(run: Run): void {
  run.gate.bind({ record: (event, data) => run.transcript.append(event, data), quit: () => finish(run, "aborted") });
  run.options.signal?.addEventListener("abort", run.onAbort, { once: true });
  const wedge = run.options.wedge ?? defaultWedge;
  run.idle.timer = setInterval(() => checkWedge(run, wedge), wedge.intervalMs);
  const park = run.options.park;
  if (park) {
    const state: ParkWatchState = { lastSeq: -1, quietSince: run.clock.now() };
    run.parking = { state, timer: setInterval(() => checkPark(run, state), parkInterval(park)) };
  }
}

/** One look of the park watch (see park-watch.ts): parks the run when it waits only on prompts or a distant timer. */
function checkPark(run: Run, state: ParkWatchState): void {
  const policy = run.options.park;
  if (!policy || !isLive(run) || !run.actor) return;
  const now = run.clock.now();
  const on = parkingCheck(
    {
      actor: run.actor,
      inflight: run.inflight.describe(),
      lastSeq: run.transcript.lastSeq,
      paused: run.gate.paused,
      checkpointed: !run.dirty && run.transcript.durable() === undefined,
      now,
      offset: now - Date.now(),
    },
    policy,
    state,
  );
  if (!on) return;
  run.parked = { ...on, inboxSeq: policy.inboxSeq?.() ?? 0 };
  finish(run, "aborted");
}

/**
 * starting → running: creates the chart's actor (from the checkpoint on a resume), records its
 * initial active states, starts it (its children, e.g. conversations, start inside `start()`) and
 * restores its pending timers. A chart that throws while starting, or reaches its final state
 * at once, ends the run here.
 *
 * @internal
 */
export function startActor(run: Run): void {
  const { options, checkpoint, clock } = run;
  const hostInspect = options.inspect && guardInspector(options.inspect, (message) => run.services.log.warn(`run ${run.runId}: ${message}`));
  try {
    const actor = (run.actor = createActor(options.chart.machine, {
      ...(checkpoint ? { snapshot: checkpoint.state as never } : {}),
      ...(options.input === undefined ? {} : { input: options.input }),
      // A host's inspector gets every event as xstate hands it out, after the runner has seen it
      // (its rows are written first); without one, xstate copies no event for anyone.
      ...(hostInspect ? { inspect: hostInspect } : {}),
      clock: { setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (handle) => clock.clearTimeout(handle) },
    }));
    // The runner reads the snapshots as the actors send them, uncopied (see `interceptInspection`);
    // an xstate without that internal is observed the public way (the host then sees each event first).
    if (!interceptInspection(actor.system, (event) => onInspect(run, event as InspectionEvent))) {
      actor.system.inspect((event) => onInspect(run, event));
    }
    bindRunServices(actor.system, run.services);
    run.activeStates = activeStates(actor.getSnapshot() as AnyMachineSnapshot);
    // The transcript's "config" (in `runner/start-config`) is the chart's active states.
    run.transcript.append("runner/start-config", { config: run.activeStates });
    if (checkpoint) checkRestoredState(run, checkpoint.seq, actor.getSnapshot() as AnyMachineSnapshot);
    actor.subscribe({ error: (error) => finish(run, "error", { category: "chart", message: (error as Error).message }) });
    actor.start();
    if (checkpoint) restoreTimers(actor, checkpoint.timers, clock.now());
    if (run.phase === "starting") run.phase = "running";
    if ((actor.getSnapshot() as AnyMachineSnapshot).status === "done") finish(run, "done");
  } catch (error) {
    finish(run, "error", { category: "chart", message: `chart "${options.chart.id}" failed to start: ${(error as Error).message}` });
  }
}

/**
 * Every snapshot, of any actor in the run, makes the run dirty (the persisted snapshot holds the
 * children too). The root's snapshot after an event becomes a runner/event-processed row; a root
 * in its final state finishes the run.
 *
 * @internal
 */
export function onInspect(run: Run, event: InspectionEvent): void {
  if (event.type !== "@xstate.snapshot" || !isLive(run)) return;
  run.dirty = true;
  if (event.actorRef !== run.actor || event.event.type === "xstate.init") return;
  const snapshot = event.snapshot as AnyMachineSnapshot;
  const before = run.activeStates;
  const after = activeStates(snapshot);
  const { type } = event.event as { type: string };
  const eventData = dataOf(event.event);
  const state = { value: snapshot.value, context: snapshot.context };
  const stateHash = run.states.hashOf(state);
  // Built field by field, in the row's key order, without spreading a temporary object per field.
  const entered = difference(after, before);
  const exited = difference(before, after);
  const data: EventData<"runner/event-processed"> = eventData
    ? { event: type, eventData: compactEventData(eventData), before, after, entered, exited }
    : { event: type, before, after, entered, exited };
  if (stateHash !== undefined) data.stateHash = stateHash;
  run.transcript.append("runner/event-processed", data);
  run.activeStates = after;
  const diverged = run.states.afterEvent(type, stateHash, state, after);
  if (diverged) reportDivergence(run, diverged);
  // A strict replay that left its recording ends in error, even on its final event.
  if (diverged?.fatal) return;
  if (snapshot.status === "done") finish(run, "done");
}

/** An event's fields but its type; undefined when it has none (most events: no copy made). */
function dataOf(event: object): Record<string, unknown> | undefined {
  for (const key in event) {
    if (key !== "type" && Object.hasOwn(event, key)) {
      const { type: _type, ...data } = event as { type: string };
      return data;
    }
  }
  return undefined;
}

/**
 * A replay's chart left its recording (see state-watch.ts): a `runner/notice` row with the
 * differences; a strict replay then ends with error `state-diverged` (the same line), any other
 * goes on with a warning.
 */
function reportDivergence(run: Run, { notice, fatal }: ReportedDivergence): void {
  run.transcript.append("runner/notice", notice);
  if (fatal) failLater(run, "state-diverged", notice.message);
  else run.services.log.warn(`run ${run.runId}: ${notice.message}`);
}

/**
 * A resume's check of the state it restored against the transcript's last `stateHash` before the
 * checkpoint: a checkpoint changed by hand, or by a chart whose restore changes it, is reported
 * (a `runner/notice` row and a warning) and the run continues from it.
 */
function checkRestoredState(run: Run, checkpointSeq: number, restored: AnyMachineSnapshot): void {
  const files = run.writer.checkpoints;
  const notice: DivergenceNotice | undefined = run.states.resumed(
    run.resumedFrom,
    // Only checkpoint files may still hold the recorded state to show what differs.
    { seq: checkpointSeq, ...("journal" in files ? { files } : {}) },
    { value: restored.value, context: restored.context },
    run.activeStates,
  );
  if (!notice) return;
  run.transcript.append("runner/notice", notice);
  run.services.log.warn(`run ${run.runId}: session ${run.manifest.sessionId}: ${notice.message}`);
}

/**
 * As each batch of rows goes to the store: a checkpoint, when the chart changed since the last one,
 * of the state those rows lead to. Written right after the batch, never before it: a store makes a
 * session's writes durable in the order they were made, so the checkpoint never points at rows it
 * does not hold, and the run's end (its manifest) is never durable before its last checkpoint.
 *
 * @internal
 */
export function checkpointAfterFlush(run: Run, seq: number, offset: number): void {
  const { actor, clock } = run;
  if (!run.dirty || !actor) return;
  run.dirty = false;
  const state = actor.getPersistedSnapshot();
  run.checkpoints.write({ seq, offset, ts: clock.now(), state, timers: captureTimers(actor, clock.now() - Date.now()) });
  if (run.options.onContext) tellContext(run, run.options.onContext, state, seq);
}

/** `onContext` with the root's context, when it changed since it was last told. */
function tellContext(run: Run, onContext: (context: unknown, seq: number) => void, state: unknown, seq: number): void {
  const context = (run.actor?.getSnapshot() as AnyMachineSnapshot | undefined)?.context;
  if (context === run.toldContext) return;
  run.toldContext = context;
  try {
    // The persisted snapshot's context is JSON already (actor refs as ids), scrubbed as the checkpoint is.
    onContext(JSON.parse(run.scrubber.scrubJsonText(JSON.stringify((state as { context?: unknown }).context ?? {}))), seq);
  } catch (error) {
    run.options.log?.warn("onContext threw; the run goes on", { message: (error as Error)?.message ?? String(error) });
  }
}

/** @internal Sends an event into the root actor while the run is live; false once it has ended. */
export function deliver(run: Run, event: { type: string; [key: string]: unknown }): boolean {
  if (!isLive(run) || !run.actor) return false;
  run.actor.send(event);
  return true;
}

/**
 * `services.fail` and the transcript's own failed flushes: ends the run with status error, on a
 * microtask, so the action or flush that reported it completes before the run stops under it.
 *
 * @internal
 */
export function failLater(run: Run, category: string, message: string): void {
  queueMicrotask(() => finish(run, "error", { category, message }));
}

/**
 * One wedge check: progress (a new row) or pending work (a call in flight, a timer, a paused
 * debugger, whose human is looking) resets the count; `cycles` idle checks in a row end the run.
 *
 * @internal
 */
export function checkWedge(run: Run, wedge: WedgeGuard): void {
  // Before the chart starts (the host is waiting for its renderer) there is nothing to be wedged.
  if (!isLive(run) || !run.actor) return;
  const actor = run.actor;
  const busy = run.inflight.count > 0 || captureTimers(actor).length > 0 || run.gate.paused;
  if (busy || run.transcript.lastSeq !== run.idle.lastSeq) {
    run.idle.lastSeq = run.transcript.lastSeq;
    run.idle.checks = 0;
    return;
  }
  if (++run.idle.checks >= wedge.cycles) {
    const states = activeStates(actor.getSnapshot() as AnyMachineSnapshot).join(", ");
    finish(run, "error", {
      category: "wedged",
      message: `no progress for ${wedge.cycles} checks (${wedge.cycles * wedge.intervalMs} ms): the chart is in [${states}] with no conversation turn, tool, prompt or timer pending`,
    });
  }
}

/**
 * The one way a run ends, whichever ending came first. In order: disarm the other endings; record
 * the error; unless done, abort the effects and stop the chart with its children; then close the
 * session (runner/done, the transcript, whose last flush checkpoints, the checkpoint journal, the
 * cassette) and only then write the manifest and settle. A closing step that fails does not skip
 * the others: the run settles with status error, naming the first such failure.
 *
 * @internal
 */
export function finish(run: Run, status: RunStatus, error?: RunError): void {
  if (!isLive(run)) return;
  run.phase = "finishing";
  disarmEndings(run);
  const snapshot = run.actor?.getSnapshot() as AnyMachineSnapshot | undefined;
  const finalStates = isMachineSnapshot(snapshot) ? activeStates(snapshot) : [];
  if (error) run.transcript.append("runner/error", error);
  if (status !== "done") haltChart(run, snapshot);
  // A run stopped because its session could not be written, or interrupted (the host went away,
  // see run-interruption.ts), resumes from its last checkpoint, as after a crash: no checkpoint
  // of the halted chart. One whose chart never started (interrupted while it waited for its
  // renderer) has nothing to resume: it is aborted.
  const started = run.actor !== undefined || run.checkpoint !== undefined;
  const resumable = status === "aborted" && started && (run.parked !== undefined || isRunInterruption(run.options.signal?.reason));
  run.dirty = error?.category !== "session-io" && !resumable;
  const closing = new ClosingSteps();
  // `finalConfig` (the transcript's and the result's name) is the chart's active states at the end.
  // A parked run says what its session waits on: renderers keep its prompts open (answered through the store).
  const parkedOn =
    resumable && run.parked ? { prompts: run.parked.prompts, ...(run.parked.dueAt === undefined ? {} : { dueAt: run.parked.dueAt }) } : undefined;
  closing.attempt(() =>
    run.transcript.append("runner/done", { finalConfig: finalStates, status, ...(error ? { error } : {}), ...(parkedOn ? { parked: parkedOn } : {}) }),
  );
  closing.attempt(() => run.transcript.close());
  closing.attempt(() => run.checkpoints.close());
  closing.attempt(() => run.chain.close());
  const settled: RunStatus = closing.failure ? "error" : status;
  const reported = error ?? closing.failure;
  const interrupted = reported?.category === "session-io" || (resumable && !closing.failure);
  closing.attempt(() =>
    leaveToDurable(
      run.writer.writeManifest(
        interrupted
          ? run.parked && resumable
            ? { ...run.manifest, status: "parked", parked: run.parked }
            : { ...run.manifest, status: "interrupted" }
          : { ...run.manifest, status: settled, endedAt: run.clock.now() },
      ),
    ),
  );
  const settle = (status: RunStatus, error: RunError | undefined): void => {
    run.phase = endPhase[status];
    run.span.end({ status, finalConfig: finalStates, ...(error ? { error } : {}) });
    const parked = status === "aborted" && interrupted && run.parked ? run.parked : undefined;
    run.settle({
      sessionId: run.manifest.sessionId,
      runId: run.runId,
      sessionDir: run.writer.location,
      transcriptPath: typeof run.writer.transcript === "string" ? run.writer.transcript : `${run.writer.location}/transcript.jsonl`,
      status: parked ? "parked" : status,
      ...(parked ? { parked } : {}),
      finalConfig: finalStates,
      ...(error ? { error } : {}),
    });
  };
  // The result says the session is written: with a store that acknowledges later, once it is.
  const written = afterDurable(run.transcript.durable(), () => run.writer.durable());
  if (!isPending(written)) return settle(settled, reported);
  written.then(
    () => settle(settled, reported),
    (failure: unknown) =>
      settle("error", reported ?? { category: "session-io", message: `closing the session failed: ${(failure as Error)?.message ?? String(failure)}` }),
  );
}

const endPhase: Record<RunStatus, RunPhase> = { done: "done", error: "failed", aborted: "aborted" };

/** No ending but the one finishing: the wedge timer, the debugger gate and the abort listener go. */
function disarmEndings(run: Run): void {
  clearInterval(run.idle.timer);
  if (run.parking) clearInterval(run.parking.timer);
  run.gate.close();
  run.options.signal?.removeEventListener("abort", run.onAbort);
}

/**
 * Stops everything that could still write: effects are aborted, the root actor stopped. A machine
 * that errored is stopped without stopping its invoked actors (xstate): they are stopped here, so
 * no conversation or fleet outlives the run and writes after runner/done. (As xstate's own
 * stopChild does: the public `stop()` refuses non-root actors.)
 */
function haltChart(run: Run, snapshot: AnyMachineSnapshot | undefined): void {
  run.abort.abort();
  run.actor?.stop();
  for (const child of Object.values((snapshot as { children?: Record<string, AnyActorRef | undefined> } | undefined)?.children ?? {})) {
    if (child) stopChildActor(child);
  }
}

/** Runs the session's closing steps so that one failing (a full disk, say) skips none of the rest, keeping the first failure. */
class ClosingSteps {
  failure: RunError | undefined;

  attempt(step: () => void): void {
    try {
      step();
    } catch (failure) {
      this.failure ??= { category: "session-io", message: `closing the session failed: ${(failure as Error).message}` };
    }
  }
}
