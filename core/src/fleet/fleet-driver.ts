/**
 * Runs a fleet's children while its state is active: launches up to `concurrency` child runs,
 * resumes the ones a crash left running, collects the outcome of the ones that finished, mirrors
 * their conversations into the parent's transcript, and reports every change to the fleet actor
 * (batched once per tick, so a thousand children do not mean a thousand parent checkpoints).
 */
import type { AnyActorRef, EventObject } from "xstate";
import type { ChartDefinition } from "../engine/define-chart.js";
import type { ChildRunHost, RunServices } from "../engine/run-services.js";
import { childGate } from "../debug/child-gate.js";
import { startChart, type ChartHandle } from "../engine/runner.js";
import { SessionError } from "../runtime/session-error.js";
import { isPending } from "../runtime/durable.js";
import { ToolRegistry } from "../tools/tool-registry.js";
import type { RequestOrigin } from "../llm/protocol.js";
import { childHuman, childModel, nameChildren, outputOfSnapshot, type ChildFound, type ChildOutcome, type ChildPlace } from "./child-session.js";
import type { EventDataWith } from "../runtime/event-data-with.js";
import { isSettled, type ChildChange, type ChildError, type ChildTarget, type FleetState } from "./fleet-state.js";
import { childDirRef, FleetMirror } from "./mirror.js";

export interface FleetDriverOptions {
  mirrorDeltas: boolean;
  /**
   * The children are named by this start: `true` when start() named them already (the place read
   * the names taken synchronously), or the names taken, still being read (the driver names them
   * first); either way the names are checkpointed before the first child session exists.
   */
  naming: boolean | Promise<string[]>;
}

interface Launch {
  index: number;
  resume: boolean;
}

/** The fleet's session/child-* rows: the schema's fields, and the child's index and where it lives. */
type ChildStartedData = EventDataWith<"session/child-started", { index: number; ref: string; resumed?: true }>;
type ChildDoneData = EventDataWith<"session/child-done", { index: number; error?: ChildError; recovered?: true }>;

export class FleetDriver {
  readonly #abort = new AbortController();
  readonly #handles = new Map<number, ChartHandle>();
  readonly #launched = new Set<number>();
  /** Children whose session/child-done row is written. */
  readonly #done = new Set<number>();
  /** Tells for children launched but not yet started. */
  readonly #waiting = new Map<number, EventObject[]>();
  readonly #queue: Launch[] = [];
  readonly #mirror: FleetMirror;
  #changes: ChildChange[] = [];
  #changeScheduled = false;
  #running = 0;
  #stopped = false;
  #release: (() => void) | undefined;
  readonly #tools: RunServices["tools"];

  constructor(
    private readonly self: AnyActorRef,
    private readonly services: RunServices,
    private readonly host: ChildRunHost,
    private readonly place: ChildPlace,
    private readonly chart: ChartDefinition,
    private readonly options: FleetDriverOptions,
  ) {
    this.#mirror = new FleetMirror(services.transcript, services.clock, { deltas: options.mirrorDeltas });
    const own = (chart.tools ?? []).filter((tool) => !services.tools.has(tool.name));
    this.#tools = own.length === 0 ? services.tools : new ToolRegistry([...services.tools.list(), ...own]);
  }

  #state(): FleetState {
    return (this.self.getSnapshot() as { context: FleetState }).context;
  }

  #limit(): number {
    return this.#state().concurrency ?? Infinity;
  }

  async run(): Promise<void> {
    this.#release = this.services.inflight.begin(`fleet ${this.#state().fleetId}`);
    if (typeof this.options.naming === "object") {
      const unnamed = this.#state();
      let ids: string[];
      try {
        ids = nameChildren(await this.options.naming, unnamed.fleetId, unnamed.children.length);
      } catch (error) {
        this.services.fail("session-io", `fleet "${unnamed.fleetId}": reading its children's sessions failed: ${(error as Error).message}`);
        return;
      }
      if (this.#stopped) return;
      this.self.send({ type: "escapement.fleet-named", ids });
    }
    // Let the mailbox apply the names (queued in start(), or sent just now).
    await Promise.resolve();
    if (this.#stopped) return;
    const state = this.#state();
    const disks = new Map<number, ChildFound>();
    try {
      for (const child of state.children) disks.set(child.index, await this.place.inspect(child.childSessionId));
      await this.#skipCompletedCalls(state, disks);
    } catch (error) {
      this.services.fail("session-io", `fleet "${state.fleetId}": reading its children's sessions failed: ${(error as Error).message}`);
      return;
    }
    if (this.#stopped) return;
    const fresh: Launch[] = [];
    for (const child of state.children) {
      if (isSettled(child.status)) continue;
      const disk = disks.get(child.index)!;
      if (disk.kind === "finished") {
        // Finished before the crash, after the parent's last checkpoint: read its outcome back, run nothing.
        let outcome: ChildOutcome;
        try {
          outcome = await this.place.outcome(child.childSessionId, disk.status);
        } catch (error) {
          outcome = { status: "error", output: undefined, error: { category: "session-io", message: (error as Error).message }, finalConfig: [] };
        }
        if (this.#stopped) return;
        this.#recordDone(child.index, outcome, true);
      } else if (disk.kind === "running") this.#queue.push({ index: child.index, resume: true });
      else fresh.push({ index: child.index, resume: false });
    }
    this.#queue.push(...fresh);
    this.#pump(this.options.naming !== false);
    this.#settleIfDone();
  }

  /**
   * Resumed children must not answer twice from a positional model (a script): every call the
   * children already made is skipped at once, before any of them runs again.
   */
  async #skipCompletedCalls(state: FleetState, disks: Map<number, ChildFound>): Promise<void> {
    if (!this.host.model.skipCompleted) return;
    const origins: RequestOrigin[] = [];
    for (const child of state.children) {
      const disk = disks.get(child.index)!;
      if (disk.kind === "absent") continue;
      origins.push(...(await this.place.completedCalls(child.childSessionId, disk)));
    }
    if (origins.length > 0 && !this.#stopped) this.host.model.skipCompleted(origins);
  }

  /** Launches queued children while there are free slots. `flush`: make their start rows (and the fleet's names) durable first. */
  #pump(flush = false): void {
    const batch: Launch[] = [];
    while (!this.#stopped && this.#running < this.#limit() && this.#queue.length > 0) {
      const launch = this.#queue.shift()!;
      this.#running++;
      this.#launched.add(launch.index);
      batch.push(launch);
      const child = this.#state().children[launch.index]!;
      const started: ChildStartedData = {
        childSessionId: child.childSessionId,
        chartId: this.chart.id,
        parentInvokeId: this.#state().fleetId,
        index: launch.index,
        ref: childDirRef(child.childSessionId),
        ...(launch.resume ? { resumed: true } : {}),
      };
      this.services.transcript.append("session/child-started", started);
      this.#change({ index: launch.index, status: "running" });
    }
    if (batch.length === 0) return;
    const start = () => {
      for (const launch of batch) if (!this.#stopped) void this.#start(launch);
    };
    if (!flush) return start();
    // The names are checkpointed, and durable, before the first child session exists: a store over
    // a network creates a child's session on a connection of its own, which could otherwise commit
    // first, and a resume that found children but no names would name new ones and run them again.
    const named = this.services.checkpointNow();
    // A failure ends the run with session-io through the transcript's error path; nothing starts.
    if (isPending(named)) named.then(start, () => {});
    else start();
  }

  async #start(launch: Launch): Promise<void> {
    const child = this.#state().children[launch.index]!;
    const id = child.childSessionId;
    // Told before it started (and checkpointed with the fleet); a resumed child already had them.
    const inbox = launch.resume ? [] : (child.inbox ?? []);
    let handle: ChartHandle;
    try {
      handle = await startChart({
        chart: this.chart,
        model: childModel(this.host.model),
        ...this.place.launch(id, launch.resume),
        ...(child.input === undefined ? {} : { input: child.input }),
        parentSessionId: this.services.sessionId,
        tools: this.#tools,
        human: childHuman(this.services.human, id),
        // Pausing or stepping the parent holds its children too.
        debug: childGate(this.services.debug, id),
        workDir: this.services.workDir,
        ...this.host.permissions,
        cwd: this.host.cwd,
        clock: this.services.clock,
        ids: this.host.ids,
        log: this.services.log,
        signal: AbortSignal.any([this.services.signal, this.#abort.signal]),
        taps: [this.#mirror.tap(id)],
        loopThreshold: this.host.loopThreshold,
        // Their calls are recorded once, in the parent's cassette (it replays the whole fleet).
        recordCassette: false,
        ...(this.host.wedge ? { wedge: this.host.wedge } : {}),
        ...(this.host.inspect ? { inspect: this.host.inspect } : {}),
        ...(this.host.tracing?.tracerProvider ? { tracerProvider: this.host.tracing.tracerProvider } : {}),
        ...(this.host.tracing ? { traceParent: this.host.tracing.parent } : {}),
        ...(this.host.checkpointCompactBytes === undefined ? {} : { checkpointCompactBytes: this.host.checkpointCompactBytes }),
      });
    } catch (error) {
      const category = error instanceof SessionError ? error.code : "child-start";
      this.#settle(launch.index, { status: "error", output: undefined, error: { category, message: (error as Error).message }, finalConfig: [] });
      return;
    }
    if (this.#stopped) return;
    this.#handles.set(launch.index, handle);
    for (const event of [...inbox, ...(this.#waiting.get(launch.index) ?? [])]) handle.send(event);
    this.#waiting.delete(launch.index);
    const result = await handle.result;
    this.#settle(launch.index, {
      // A child is never run with `park`: it cannot come back parked.
      status: result.status === "parked" ? "aborted" : result.status,
      output: outputOfSnapshot(handle.snapshot()),
      ...(result.error ? { error: { category: result.error.category, message: result.error.message } } : {}),
      finalConfig: result.finalConfig,
    });
  }

  #settle(index: number, outcome: ChildOutcome): void {
    if (this.#stopped) return;
    this.#running--;
    this.#handles.delete(index);
    this.#recordDone(index, outcome, false);
    if (outcome.status !== "done" && this.#state().failFast) {
      const child = this.#state().children[index]!;
      const why = outcome.error ? `: ${outcome.error.category}: ${outcome.error.message}` : "";
      this.services.fail(
        "child-failed",
        `child session ${child.childSessionId} (chart ${this.chart.id}) of fleet "${this.#state().fleetId}" ended ${outcome.status}${why}`,
      );
      return;
    }
    this.#pump();
    this.#settleIfDone();
  }

  #recordDone(index: number, outcome: ChildOutcome, recovered: boolean): void {
    const child = this.#state().children[index]!;
    this.#done.add(index);
    const done: ChildDoneData = {
      childSessionId: child.childSessionId,
      status: outcome.status,
      index,
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(recovered ? { recovered: true } : {}),
    };
    this.services.transcript.append("session/child-done", done);
    this.#change({
      index,
      status: outcome.status,
      output: outcome.output,
      finalConfig: outcome.finalConfig,
      ...(outcome.error ? { error: outcome.error } : {}),
    });
  }

  /** Once nothing runs or waits: stop mirroring and stop counting as in-flight work, before the fleet completes. */
  #settleIfDone(): void {
    if (this.#running > 0 || this.#queue.length > 0) return;
    this.#mirror.close();
    this.#release?.();
    this.#release = undefined;
  }

  #change(change: ChildChange): void {
    this.#changes.push(change);
    if (this.#changeScheduled) return;
    this.#changeScheduled = true;
    setImmediate(() => {
      this.#changeScheduled = false;
      if (this.#stopped || this.#changes.length === 0) return;
      const changes = this.#changes;
      this.#changes = [];
      this.self.send({ type: "escapement.fleet-changed", changes });
    });
  }

  /** Routes a `tellChild` event to the children it names that have started (the fleet keeps it for the others). */
  tell(indexes: readonly number[], event: EventObject): void {
    if (this.#stopped) return;
    for (const index of indexes) {
      if (!this.#launched.has(index)) continue;
      const handle = this.#handles.get(index);
      if (handle) {
        if (!handle.send(event))
          this.services.log.warn("tellChild: the child has ended; event dropped", { fleet: this.#state().fleetId, index, event: event.type });
      } else if (!isSettled(this.#state().children[index]?.status ?? "pending")) {
        const waiting = this.#waiting.get(index) ?? [];
        waiting.push(event);
        this.#waiting.set(index, waiting);
      }
    }
  }

  unknownTarget(target: ChildTarget): void {
    const state = this.#state();
    const ids = state.children.map((child) => child.childSessionId).join(", ");
    this.services.fail(
      "unknown-child",
      `tellChild("${state.fleetId}", ${JSON.stringify(target)}): no such child; use an index 0..${state.children.length - 1}, a child session id (${ids || "none"}) or "*"`,
    );
  }

  /** The fleet's state was left (or the run is ending): abort every child, record them aborted. */
  stop(): void {
    if (this.#stopped) return;
    // Children end synchronously on abort; their last rows still reach the parent's transcript.
    this.#abort.abort(new Error("the fleet's state was left"));
    this.#mirror.close();
    this.#stopped = true;
    const state = this.#state();
    for (const index of this.#launched) {
      const child = state.children[index]!;
      if (isSettled(child.status) || this.#done.has(index)) continue;
      const aborted: ChildDoneData = { childSessionId: child.childSessionId, status: "aborted", index };
      this.services.transcript.append("session/child-done", aborted);
    }
    this.#release?.();
    this.#release = undefined;
  }
}
