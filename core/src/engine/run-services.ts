import type { RecordedSteer } from "../llm/protocol.js";
import type { ReplaySteers } from "./replay-steers.js";
import type { ActorSystem } from "xstate";
import type { Context, TracerProvider } from "@opentelemetry/api";
import type { RunTracing } from "./run-tracing.js";
import type { StepHooks } from "./step-hooks.js";
import type { ModelClient } from "../llm/protocol.js";
import type { ToolRegistry } from "../tools/tool-registry.js";
import type { ToolDispatchSettings } from "../tools/tool-dispatch-settings.js";
import type { Clock } from "../runtime/clock.js";
import type { TranscriptWriter } from "../runtime/transcript-writer.js";
import type { IoStore } from "../runtime/io-store.js";
import type { Durable } from "../runtime/durable.js";
import type { ArtifactStore } from "../templates/artifact-store.js";
import type { HumanRenderer } from "../human/human-renderer.js";
import type { Logger } from "../runtime/logger.js";
import type { RunGate } from "../debug/debug-gate.js";
import type { IdSource } from "../runtime/ids.js";
import type { InflightTracker } from "../runtime/inflight.js";
import type { RunPermissions } from "./run-permissions.js";
import type { RunChartOptions } from "./run-options.js";
import type { HostInspector } from "./host-inspector.js";
import type { SessionStore } from "../store/index.js";
import type { RecordedTurns } from "./recorded-turns.js";

/** What a run lends the child sessions it spawns (core/src/fleet). */
export interface ChildRunHost {
  /**
   * The parent's session: its directory (the disk store; children live under `children/<childSessionId>/`),
   * or its store and key (children are sessions of that store keyed `<key>/children/<childSessionId>`).
   */
  session: { dir: string } | { store: SessionStore; key: string };
  /** The parent's model client below its loop guard: children's calls land in the parent's cassette too. */
  model: ModelClient;
  cwd: string;
  ids: IdSource;
  loopThreshold: number | false;
  wedge?: { intervalMs: number; cycles: number };
  checkpointCompactBytes?: number;
  /** The parent's host inspector: it sees the children's actors too (each child's root is its own root actor). */
  inspect?: HostInspector;
  /** The parent's tracer provider and its run span: a child's run span is that span's child. */
  tracing?: { tracerProvider?: TracerProvider; parent: Context };
  /** The parent's permission rules, sandbox settings and tool environment; its session is protected from the children. */
  permissions: Pick<RunChartOptions, "permissions" | "sandbox" | "toolEnv" | "bwrap" | "secrets"> & { protectedPaths: readonly string[] };
}

/** Per-run services the chart's actors need. One instance per run: runs never share them. */
export interface RunServices {
  sessionId: string;
  runId: string;
  chartId: string;
  workDir: string;
  clock: Clock;
  transcript: TranscriptWriter;
  io: IoStore;
  artifacts: ArtifactStore;
  model: ModelClient;
  tools: ToolRegistry;
  /** The run's tool dispatch settings (`maxParallelTools`, `toolTimeoutMs`, `toolLoopThreshold` run options); a conversation's win. */
  toolDispatch?: Partial<ToolDispatchSettings>;
  /** What the tools may touch: the policy, the shell sandbox, what a human allowed for the run. */
  permissions: RunPermissions;
  /** Turns of a resumed session already on disk: responses and tool results a resume reuses. Empty for a new run. */
  recorded: RecordedTurns;
  /**
   * Writes the rows appended so far and checkpoints now, even if the chart did not move: what a
   * resume must find (a model's response, a tool that is about to run or has finished) is on disk
   * and kept before the next effect starts. A caller that does not wait for it may drop the result
   * (`void`): model calls and prompts wait for durability themselves, and a failure ends the run
   * through the transcript's error path, never as an unhandled rejection.
   */
  checkpointNow(): Durable;
  /**
   * Settles once the rows flushed so far, and the checkpoint after them, are durable; nothing when
   * they are already (a synchronous store). What starts an effect the runner does not start itself
   * waits for it (model calls and prompts already do, see durable-effects.ts).
   */
  durable(): Durable;
  /** Where tools save downloads (`<session>/downloads`); none for a session without a directory (their own temporary one). */
  downloadDir?: string;
  /** Environment of processes tools start (made on first read). */
  readonly toolEnv: NodeJS.ProcessEnv;
  human: HumanRenderer;
  /** False when nobody can answer a prompt (the run was given no human renderer): permission asks are denials. */
  humanPresent: boolean;
  log: Logger;
  inflight: InflightTracker;
  /** Where external events enter the chart: events from conversations, human answers, model calls. */
  debug: RunGate;
  /** Ends the run with status error (a chart bug such as an unknown alias or tool). */
  fail(category: string, message: string): void;
  /** Aborted when the run is cancelled. */
  signal: AbortSignal;
  /** Host code around every model step (see step-hooks.ts). */
  stepHooks?: StepHooks;
  /** The run's span, parent of its turns' and tools' spans (see run-tracing.ts). */
  tracing?: RunTracing;
  /** Present under runChart: what child sessions inherit (fleets). */
  childHost?: ChildRunHost;
  /** Writes a steering message the model got into the session's cassette, so a replay sends it again. */
  recordSteer?: (steer: RecordedSteer) => void;
  /** A replayed recording's steering messages, due again at the steps that got them. */
  replaySteers?: ReplaySteers;
}

/*
 * Why the services are looked up rather than passed: every actor and action that uses them
 * (`conversation()`, `humanInput()`, `spawnChildren()`, `captureArtifact()`, `updateProgress()`,
 * `fromArtifacts()`) is placed in the chart by its author, inline (`invoke: { src: conversation(...) }`),
 * so the runner never constructs it and cannot hand it anything: not through `input` (the chart
 * computes that), not through `machine.provide()` (inline logic has no name to provide), and
 * xstate's actor system carries no host data. What every one of them does receive is its actor
 * system, which is one per run; so the runner binds the run's services to it (startActor in
 * run-lifecycle.ts, the only binder) and each actor looks them up once, at its entry, and passes
 * them on by argument from there (ConversationDriver, askWithdrawable, the fleet's driver).
 *
 * Keyed by the run's actor system, so concurrent runs in one process never see each other's services.
 */
const servicesBySystem = new WeakMap<ActorSystem<any>, RunServices>();

/** @internal The runner's half of the lookup: called once per run, before the chart's actor starts. */
export function bindRunServices(system: ActorSystem<any>, services: RunServices): void {
  servicesBySystem.set(system, services);
}

/** The run's services, for an actor or action of that run (given its `system`); throws outside a runner. */
export function runServicesOf(system: ActorSystem<any>): RunServices {
  const services = servicesBySystem.get(system);
  if (!services) {
    throw new Error("this chart actor runs outside an Escapement runner (use runChart or `escapement run`)");
  }
  return services;
}

/**
 * The run's services with another model (a conversation's own chain): the rest is read through
 * from `services`, not copied, so what is made on first read (`toolEnv`) stays unmade until read.
 *
 * @internal
 */
export function withModel(services: RunServices, model: ModelClient): RunServices {
  const derived = Object.create(services) as { model: ModelClient };
  // Assigned, not defined with a descriptor: the object stays in V8's fast mode.
  derived.model = model;
  return derived as RunServices;
}
