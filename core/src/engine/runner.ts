import { mkdirSync } from "node:fs";
import { toolDispatchProblems } from "../tools/tool-dispatch-settings.js";
import type { AnyMachineSnapshot } from "xstate";
import { basename, join } from "node:path";
import type { ChartDefinition } from "./define-chart.js";
import type { ChartHandle, RunChartOptions, RunResult } from "./run-options.js";
import type { RunServices } from "./run-services.js";
import { callHistory, prepareNew, prepareResume, storeOf, type Prepared } from "./run-session.js";
import { prepareStoredResume } from "./stored-resume.js";
import { announce, armEndings, checkpointAfterFlush, deliver, failLater, finish, isLive, startActor, type Run } from "./run-lifecycle.js";
import { buildModelChain } from "./model-chain.js";
import type { RequestOrigin } from "../llm/protocol.js";
import { defaultLoopThreshold } from "../llm/cassette/index.js";
import type { HumanRenderer } from "../human/human-renderer.js";
import { ToolRegistry, createDefaultRegistry } from "../tools/index.js";
import { ArtifactStore } from "../templates/artifact-store.js";
import { systemClock, type Clock } from "../runtime/clock.js";
import { randomIds, type IdSource } from "../runtime/ids.js";
import { scrubbingLogger, silentLogger } from "../runtime/logger.js";
import { SecretScrubber } from "../runtime/secret-scrubber.js";
import { CheckpointStore } from "../runtime/checkpoint-store.js";
import { Inflight } from "../runtime/inflight.js";
import { flatString } from "../runtime/flat-string.js";
import { IoStore } from "../runtime/io-store.js";
import { deltaRows } from "../runtime/delta-rows.js";
import { TranscriptWriter } from "../runtime/transcript-writer.js";
import { DebugGate } from "../debug/debug-gate.js";
import { sandboxSettings } from "../permissions/index.js";
import { detectBwrap, type BwrapDetection } from "../tools/detect-bwrap.js";
import { grantsIn, preparePermissions, requireSandbox, type RunPermissions } from "./run-permissions.js";
import { toolEnvironment } from "./tool-environment.js";
import { RecordedTurns } from "./recorded-turns.js";
import { answerFromDisk, answersNotInTranscript } from "./answered-calls.js";
import type { CassetteCall } from "../llm/cassette/index.js";
import { killGroupSince, killTagged } from "../tools/process-stat.js";
import { processTagOf } from "./process-tag.js";
import { ReplaySteers } from "./replay-steers.js";
import { steerRun } from "./steer-run.js";
import { steerTextProblem } from "./steer-channel.js";
import { startRunSpan } from "./run-tracing.js";
import { readRecordedStates, type RecordedState } from "./recorded-states.js";
import { StateWatch, type ReplayRecording } from "./state-watch.js";
import { sessionPaths } from "../runtime/session-dir.js";
import type { ModelClient } from "../llm/protocol.js";
import { durableHuman, durableModel } from "./durable-effects.js";
import { afterDurable, leaveToDurable, type Durable } from "../runtime/durable.js";

export type { RunStatus, RunChartOptions, ChartHandle, RunStartInfo, RunResult } from "./run-options.js";
export { prepareResume, callHistory } from "./run-session.js";

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
 *
 * The run's lifecycle, top-down (phases and transitions in run-lifecycle.ts):
 * open the session, assemble the run (phase starting), write its first rows, arm the endings
 * that come from outside the chart, then start the chart's actor (starting → running) unless the
 * caller already aborted. From there every ending goes through `finish`.
 */
export async function startChart(options: RunChartOptions): Promise<ChartHandle> {
  // A bad tool setting (a timeout of 0) is the caller's: refused before the session exists.
  const dispatchProblems = toolDispatchProblems(
    { maxParallelTools: options.maxParallelTools, toolTimeoutMs: options.toolTimeoutMs, toolLoopThreshold: options.toolLoopThreshold },
    "run option",
  );
  if (dispatchProblems.length > 0) throw new TypeError(dispatchProblems.join("; "));
  const settings = options.sandbox ?? sandboxSettings();
  // Known at once when the sandbox is off or a parent run probed it already (fleet children).
  const known: BwrapDetection | undefined = settings.mode === "off" ? { unavailable: "the sandbox is off" } : options.bwrap;
  // A sandbox the settings require and this machine cannot give stops the run before its session
  // exists; otherwise the session is opened at once (synchronously) and the probe awaited after.
  if (settings.mode === "required") requireSandbox(settings, known ?? (await detectBwrap()));
  const opened = openSession(options);
  // Its failure is awaited below, after the probe.
  opened.catch(() => {});
  const bwrap = known ?? (await detectBwrap());
  const session = await opened;
  const tools = options.tools ?? registryFor(options.chart);
  const permissions = preparePermissions({
    workDir: session.workDir,
    ...(session.paths ? { sessionDir: session.paths.root, downloadDir: join(session.paths.root, "downloads") } : {}),
    layers: options.permissions ?? [],
    protectedPaths: options.protectedPaths ?? [],
    settings,
    bwrap,
    tools,
  });
  if (session.checkpoint) {
    // What the dead run's tools left running is stopped before anything of this run starts.
    for (const { pgid, startTicks } of session.recorded.orphanedProcesses()) if (startTicks !== undefined) killGroupSince(pgid, startTicks);
    for (const call of session.recorded.unfinishedCalls()) killTagged(processTagOf(session.manifest.sessionId, call.invokeId, call.turn, call.toolCallId));
    if (session.past) for (const grant of await grantsIn(session.past.rows())) permissions.grants.add(grant);
  }
  const run = assembleRun(options, session, tools, permissions);
  announce(run, session.history.interrupted);
  armEndings(run);
  if (options.untilReady && !options.signal?.aborted) {
    const rows = await options.untilReady();
    // Aborted while waiting: the abort listener has finished the run.
    if (isLive(run)) for (const row of rows ?? []) run.transcript.append(row.event, row.data);
  }
  if (!isLive(run)) {
    // Ended while waiting for the host.
  } else if (options.signal?.aborted) finish(run, "aborted");
  else startActor(run);
  // Steering messages reach the run from now on (a message before the chart started is refused).
  options.steering?.attach((conversation, text, from) => steerRun(run, conversation, text, from));
  return {
    sessionId: run.manifest.sessionId,
    runId: run.runId,
    sessionDir: run.writer.location,
    result: run.result,
    send: (event) => deliver(run, event),
    steer: (conversation, text) => {
      const problem = steerTextProblem(text);
      return problem ?? steerRun(run, conversation, text, "host");
    },
    snapshot: () => run.actor?.getSnapshot() as AnyMachineSnapshot | undefined,
  };
}

/** A session opened for a run, and what the run needs from its past (empty for a new session). */
interface OpenedSession extends Prepared {
  runId: string;
  clock: Clock;
  ids: IdSource;
  cwd: string;
  workDir: string;
  /** The model calls the transcript already holds: finished (a resume skips them) and cut off by the crash. */
  history: { completed: RequestOrigin[]; interrupted: RequestOrigin[] };
  /** Calls already in the cassette: a resumed run numbers on after them. */
  recordedCalls: number;
  /** Model turns and tool calls the transcript already holds (a resume reuses them). */
  recorded: RecordedTurns;
  /** Answers in the cassette the transcript lost (the run died between the two writes). */
  answered: Map<string, CassetteCall[]>;
  /** The chart states the transcript holds (a resume's: up to its checkpoint; empty for a new session). */
  states: RecordedState[];
  /** The recording a replay compares its chart's states with (see state-watch.ts). */
  replay: ReplayRecording | undefined;
}

/** Creates or resumes the session directory and reads what a resume must know; writes no row. */
async function openSession(options: RunChartOptions): Promise<OpenedSession> {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const cwd = options.cwd ?? process.cwd();
  const prepared = !options.resume
    ? await prepareNew(options, clock, ids)
    : options.store && options.store.kind !== "disk"
      ? await prepareStoredResume(options.resume, options.chart.id, options.store)
      : prepareResume(options.resume, options.chart.id, cwd, options.sessionsRoot, options.store);
  const { manifest, checkpoint, past } = prepared;
  const runId = ids.runId();
  options.onStart?.({
    sessionId: manifest.sessionId,
    runId,
    chartId: options.chart.id,
    sessionDir: prepared.writer.location,
    resumed: checkpoint !== undefined,
  });
  // A resume reads the session's past through its store (a new session has none).
  const resumed = checkpoint ? past : undefined;
  const history = resumed ? await callHistory(resumed.rows()) : { completed: [], interrupted: [] };
  if (history.completed.length > 0) options.model.skipCompleted?.(history.completed);
  const workDir = options.workDir ?? cwd;
  // The process's own directory exists; a given one is made if it is missing.
  if (options.workDir !== undefined || options.cwd !== undefined) mkdirSync(workDir, { recursive: true });
  const cassetteCalls = resumed ? await resumed.cassetteCalls() : [];
  const recordedCalls = cassetteCalls.length;
  const recorded = resumed ? await RecordedTurns.read(resumed) : RecordedTurns.empty();
  const answered = resumed ? await answersNotInTranscript(cassetteCalls, history.completed) : new Map();
  const states = resumed ? (await readRecordedStates(resumed.rows())).states : [];
  const replay = await replayRecording(options.model);
  return { ...prepared, runId, clock, ids, cwd, workDir, history, recordedCalls, recorded, answered, states, replay };
}

/**
 * The recorded session a replaying model answers from, with the chart states its transcript
 * holds; undefined when the model replays none, or the transcript beside its cassette is another
 * session's.
 */
async function replayRecording(model: ModelClient): Promise<ReplayRecording | undefined> {
  const source = model.replayOf?.();
  if (!source) return undefined;
  const paths = sessionPaths(source.sessionDir);
  const recorded = await readRecordedStates(paths.transcript);
  if (recorded.sessionId !== source.sessionId) return undefined;
  return { transcript: paths.transcript, checkpoints: paths.checkpoints, states: recorded.states, strict: source.strict };
}

/**
 * Builds the run in phase starting: the transcript (each flush checkpoints, see
 * `checkpointAfterFlush`), the checkpoint journal, the model chain and the services the chart's
 * actors use. The writers and the services call back into the run, hence the one object.
 */
function assembleRun(options: RunChartOptions, session: OpenedSession, tools: ToolRegistry, permissions: RunPermissions): Run {
  const { writer, paths, manifest, clock, ids, cwd, workDir } = session;
  // Every text the run writes or shows is scrubbed of the run's keys (and their usual encodings).
  const scrubber = SecretScrubber.of(options.secrets ?? []);
  const io = new IoStore(writer.io, scrubber);
  const checkpoints = new CheckpointStore(writer.checkpoints, {
    ioSize: () => io.size(),
    ...(options.checkpointCompactBytes === undefined ? {} : { compactBytes: options.checkpointCompactBytes }),
    // Only checkpoint files compact (a store's sink keeps what it likes).
    onCompact: (record) => transcript.append("checkpoint/written", { seq: record.seq, kind: "snapshot", ref: basename(paths!.checkpoints.snapshot) }),
    scrubber,
  });
  const transcript: TranscriptWriter = new TranscriptWriter(writer.transcript, {
    clock,
    nextSeq: session.nextSeq,
    offset: session.offset,
    streamRows: deltaRows,
    scrubber,
    afterAppend: (seq, offset) => checkpointAfterFlush(run, seq, offset),
    // A flush the writer scheduled itself failed (disk full, no file descriptors): nothing more can be made durable.
    onError: (error) => failLater(run, "session-io", `writing the session failed: ${(error as Error).message}`),
  });
  for (const tap of options.taps ?? []) transcript.tap(tap);

  const loopThreshold = options.loopThreshold ?? defaultLoopThreshold;
  const chain = buildModelChain(options.model, {
    cassette: writer.cassette,
    chartId: options.chart.id,
    sessionId: manifest.sessionId,
    clock,
    recordedCalls: session.recordedCalls,
    loopThreshold,
    scrubber,
    ...(options.recordCassette === false ? { record: false } : {}),
  });
  const gate = options.debug ?? new DebugGate();
  const span = startRunSpan(
    options.tracerProvider,
    options.traceParent,
    {
      sessionId: manifest.sessionId,
      runId: session.runId,
      chartId: options.chart.id,
      resumed: session.checkpoint !== undefined,
      ...(manifest.parentSessionId ? { parentSessionId: manifest.parentSessionId } : {}),
    },
    (text) => scrubber.scrub(text),
    () => clock.now(),
  );
  const inflight = new Inflight();
  const abort = new AbortController();
  // The rows flushed so far, then what was written after them (their checkpoint): durable once both are.
  // A failure reaches whoever waits on it, and the run through the transcript's onError; a caller
  // that does not wait (a checkpoint taken on the way) leaves no unhandled rejection behind.
  const durable = (): Durable => {
    const wait = afterDurable(transcript.durable(), () => writer.durable());
    leaveToDurable(wait);
    return wait;
  };
  let toolEnv: NodeJS.ProcessEnv | undefined;
  const services: RunServices = {
    sessionId: manifest.sessionId,
    runId: session.runId,
    chartId: options.chart.id,
    workDir,
    clock,
    transcript,
    io,
    artifacts: new ArtifactStore(writer.artifacts, scrubber),
    model: durableModel(
      answerFromDisk(chain.model, session.answered, (origin) => options.model.skipCompleted?.([origin])),
      () => durable(),
    ),
    tools,
    toolDispatch: {
      ...(options.maxParallelTools === undefined ? {} : { maxParallelTools: options.maxParallelTools }),
      ...(options.toolTimeoutMs === undefined ? {} : { toolTimeoutMs: options.toolTimeoutMs }),
      ...(options.toolLoopThreshold === undefined ? {} : { toolLoopThreshold: options.toolLoopThreshold }),
    },
    permissions,
    recorded: session.recorded,
    checkpointNow: () => {
      run.dirty = true;
      transcript.flush();
      return durable();
    },
    durable: () => durable(),
    // Flat: the services keep it to the end of the run (see flatString).
    ...(paths ? { downloadDir: flatString(join(paths.root, "downloads")) } : {}),
    // Made when a tool first starts a process: copying the environment is a cost most sessions of
    // a fleet (tools that start none) would pay for nothing.
    get toolEnv() {
      return (toolEnv ??= options.toolEnv ?? toolEnvironment(process.env));
    },
    human: durableHuman(options.human ?? refusingHuman, () => durable()),
    humanPresent: options.human !== undefined,
    log: scrubbingLogger(options.log ?? silentLogger, scrubber),
    inflight,
    debug: gate,
    signal: abort.signal,
    fail: (category, message) => failLater(run, category, message),
    ...(options.stepHooks ? { stepHooks: options.stepHooks } : {}),
    ...(span.tracing ? { tracing: span.tracing } : {}),
    ...(chain.recordSteer ? { recordSteer: chain.recordSteer } : {}),
    ...(options.model.recordedSteers ? { replaySteers: new ReplaySteers(options.model.recordedSteers()) } : {}),
    // What child sessions (core/src/fleet) inherit: their calls go through this run's cassette
    // recorder (so one cassette replays the whole fleet) but not its loop guard (each child has its own).
    // Children live in their parent's directory, or in a store without directories as its sessions.
    childHost: {
      session: paths ? { dir: paths.root } : { store: storeOf(options), key: writer.sessionId },
      model: chain.recorded,
      cwd,
      ids,
      loopThreshold,
      tracing: { ...(options.tracerProvider ? { tracerProvider: options.tracerProvider } : {}), parent: span.context },
      ...(options.wedge ? { wedge: options.wedge } : {}),
      ...(options.inspect ? { inspect: options.inspect } : {}),
      ...(options.checkpointCompactBytes === undefined ? {} : { checkpointCompactBytes: options.checkpointCompactBytes }),
      permissions: {
        ...(options.permissions ? { permissions: options.permissions } : {}),
        ...(options.sandbox ? { sandbox: options.sandbox } : {}),
        ...(options.toolEnv ? { toolEnv: options.toolEnv } : {}),
        protectedPaths: [...(options.protectedPaths ?? []), ...(paths ? [paths.root] : [])],
        bwrap: permissions.bwrap,
        ...(options.secrets ? { secrets: options.secrets } : {}),
      },
    },
  };
  let settle!: (result: RunResult) => void;
  const result = new Promise<RunResult>((resolve) => (settle = resolve));
  const run: Run = {
    options,
    runId: session.runId,
    writer,
    manifest,
    checkpoint: session.checkpoint,
    clock,
    gate,
    transcript,
    checkpoints,
    scrubber,
    chain,
    span,
    inflight,
    abort,
    services,
    // A resumed replay compares from the event after those its transcript already holds.
    states: new StateWatch(scrubber, session.replay, session.states.length),
    resumedFrom: session.states.at(-1),
    onAbort: () => finish(run, "aborted"),
    result,
    settle,
    phase: "starting",
    actor: undefined,
    dirty: true,
    activeStates: [],
    toldContext: undefined,
    idle: { lastSeq: -1, checks: 0, timer: undefined },
  };
  return run;
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
