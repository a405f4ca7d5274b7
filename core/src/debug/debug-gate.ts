/**
 * The debugger gate: the one place where external events enter a running chart. Three things
 * pass through it, each counted as one *external event*:
 *
 * - an event a conversation sends to the chart (an event tool call, `llm.idle`, `error.llm.*`),
 * - a human answer (or cancel) reaching the chart,
 * - a conversation starting a model call.
 *
 * While the gate is paused these wait in a FIFO queue; `step n` lets n of them through and
 * pauses again; `continue` lets everything through; `arm-pause-on-next-external` runs on and
 * pauses at the next one. Every change of state is a `debug/*` transcript row, so renderers see
 * it as a `debug` frame and a replay shows it too. Delayed events (`after`) are not gated.
 *
 * With no control ever sent the gate is open and adds nothing: `pass` delivers synchronously and
 * `enter` returns undefined, so an undebugged run behaves exactly as without a gate.
 */
import type { ControlAction, EventData, EventName } from "@escapement/wire-schema";

export type DebugMode = "run" | "step" | "armed";

export interface DebugGateState {
  readonly paused: boolean;
  readonly mode: DebugMode;
  /** External events still let through in step mode (as of the last `step`, counting down). */
  readonly stepBudget: number;
  readonly reason?: string;
}

/** Why a control was refused; the wire server turns it into an `error` frame. */
export interface ControlRefusal {
  code: "invalid-control";
  path: string;
  message: string;
}

export type ControlResult = { ok: true } | { ok: false; error: ControlRefusal };

/** What the runner lends the gate once the run has started. */
export interface GateBinding {
  /** Appends a transcript row (`debug/paused`, `debug/resumed`, `debug/step`, `debug/mode`, `debug/interrupted`). */
  record<E extends EventName>(event: E, data: EventData<E>): void;
  /** Ends the run with status aborted. */
  quit(): void;
}

/** What a run uses of its debugger gate: a `DebugGate`, or a fleet child's view of its parent's (`childGate`). */
export interface RunGate {
  /** Whether external events are being held (the wedge guard waits then). */
  readonly paused: boolean;
  bind(binding: GateBinding): void;
  close(): void;
  pass(label: string, deliver: () => void): void;
  enter(label: string, signal?: AbortSignal): Promise<void> | undefined;
  interruptible(invokeId: string, abort: () => void): () => void;
}

export interface DebugGateOptions {
  /** Start armed: the first external event pauses the run (`--debug`). */
  startPaused?: boolean;
  /** Called after every state change (for logs). */
  onChange?: (state: DebugGateState) => void;
}

interface Held {
  label: string;
  release: () => void;
}

interface Interruptible {
  invokeId: string;
  abort: () => void;
}

const refuse = (message: string): ControlResult => ({ ok: false, error: { code: "invalid-control", path: "/action", message: `/action: ${message}` } });

export class DebugGate implements RunGate {
  #paused = false;
  #mode: DebugMode = "run";
  #budget = 0;
  #reason: string | undefined;
  readonly #queue: Held[] = [];
  readonly #inflight = new Set<Interruptible>();
  readonly #startPaused: boolean;
  readonly #onChange: DebugGateOptions["onChange"];
  #binding: GateBinding | undefined;
  #closed = false;
  #draining = false;

  constructor(options: DebugGateOptions = {}) {
    this.#startPaused = options.startPaused ?? false;
    this.#onChange = options.onChange;
  }

  get state(): DebugGateState {
    return {
      paused: this.#paused,
      mode: this.#mode,
      stepBudget: this.#budget,
      ...(this.#reason === undefined ? {} : { reason: this.#reason }),
    };
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** External events waiting for the gate to open. */
  get held(): readonly string[] {
    return this.#queue.map((item) => item.label);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Called by the runner once `runner/started` is written. With `startPaused` the gate arms
   * itself here, so the transcript shows `debug/mode armed` right after the run's start rows.
   */
  bind(binding: GateBinding): void {
    this.#binding = binding;
    if (this.#startPaused && this.#mode === "run" && !this.#paused) this.#setMode("armed");
  }

  /** The run is over: nothing more is delivered, controls are refused, waiters are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    this.#inflight.clear();
    this.#binding = undefined;
  }

  /**
   * Delivers an external event now when the gate lets it through, else queues `deliver` until it
   * does. Synchronous when open, so ordering is unchanged for an undebugged run.
   */
  pass(label: string, deliver: () => void): void {
    if (this.#closed) return;
    if (this.#admit(label)) {
      deliver();
      this.#afterRelease();
    } else this.#queue.push({ label, release: deliver });
  }

  /**
   * For async work about to start (a model call): undefined when it may go on now, else a promise
   * that resolves when the gate lets it through, or when `signal` aborts (the caller re-checks).
   */
  enter(label: string, signal?: AbortSignal): Promise<void> | undefined {
    if (this.#closed) return undefined;
    if (this.#admit(label)) {
      this.#afterRelease();
      return undefined;
    }
    return new Promise<void>((resolve) => {
      const held: Held = {
        label,
        release: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const index = this.#queue.indexOf(held);
        if (index >= 0) this.#queue.splice(index, 1);
        resolve();
      };
      if (signal?.aborted) return resolve();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(held);
    });
  }

  /**
   * Registers an in-flight model call that `interrupt` may abort; returns the unregister function.
   */
  interruptible(invokeId: string, abort: () => void): () => void {
    const entry: Interruptible = { invokeId, abort };
    this.#inflight.add(entry);
    return () => this.#inflight.delete(entry);
  }

  /** Applies a control frame's action. A control that makes no sense is refused and changes nothing. */
  control(action: ControlAction, n = 1): ControlResult {
    if (this.#closed || !this.#binding) return refuse(`${action}: the run is ${this.#closed ? "over" : "not started yet"}`);
    switch (action) {
      case "pause":
        if (this.#paused) return refuse("pause: the run is already paused");
        this.#pause("pause requested");
        return { ok: true };
      case "step":
        if (!this.#paused) return refuse("step: the run is not paused (pause it first, or arm pause-on-next-external)");
        this.#record("debug/step", { n });
        this.#paused = false;
        this.#mode = "step";
        this.#budget = n;
        this.#reason = undefined;
        this.#changed();
        this.#drain();
        return { ok: true };
      case "continue":
        if (!this.#paused && this.#mode === "run") return refuse("continue: the run is not paused");
        this.#resume("run");
        return { ok: true };
      case "arm-pause-on-next-external":
        if (!this.#paused && this.#mode === "armed") return refuse("arm-pause-on-next-external: already armed");
        this.#resume("armed");
        return { ok: true };
      case "interrupt": {
        const calls = [...this.#inflight];
        if (calls.length === 0) return refuse("interrupt: no model call is in flight");
        this.#record("debug/interrupted", { invokeIds: [...new Set(calls.map((call) => call.invokeId))] });
        for (const call of calls) {
          this.#inflight.delete(call);
          call.abort();
        }
        return { ok: true };
      }
      case "quit": {
        const binding = this.#binding;
        this.close();
        binding.quit();
        return { ok: true };
      }
    }
  }

  // -------------------------------------------------------------------------------------------

  /** True when `label` may go through now; otherwise the gate is (or just became) paused. */
  #admit(label: string): boolean {
    if (this.#paused || this.#queue.length > 0) return false;
    switch (this.#mode) {
      case "run":
        return true;
      case "armed":
        this.#setMode("run");
        this.#pause(`next external event: ${label}`);
        return false;
      case "step":
        if (this.#budget <= 0) {
          this.#pause("step done");
          return false;
        }
        this.#budget -= 1;
        return true;
    }
  }

  /** After a step let its last event through, pause (the event's own rows come first). */
  #afterRelease(): void {
    if (this.#mode === "step" && this.#budget === 0 && !this.#paused && !this.#closed) this.#pause("step done");
  }

  #resume(mode: DebugMode): void {
    // Resumed first, then the mode: a debug/mode row while still paused would show the pause being left (its reason) in the new mode.
    if (this.#paused) {
      this.#record("debug/resumed", {});
      this.#paused = false;
      this.#reason = undefined;
    }
    if (this.#mode !== mode) this.#setMode(mode, false);
    this.#changed();
    // Events already held had arrived before the arm: they go through; the next new one pauses.
    this.#drain(mode === "armed");
  }

  /** Lets queued events through while the gate is open (all of them, or a step's budget). */
  #drain(all = false): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0 && !this.#paused && !this.#closed) {
        if (!all && this.#mode === "step") {
          if (this.#budget <= 0) break;
          this.#budget -= 1;
        }
        const held = this.#queue.shift() as Held;
        held.release();
        if (!all) this.#afterRelease();
      }
    } finally {
      this.#draining = false;
    }
    if (!all) this.#afterRelease();
  }

  #pause(reason: string): void {
    this.#record("debug/paused", { reason });
    this.#paused = true;
    this.#budget = 0;
    this.#reason = reason;
    this.#changed();
  }

  #setMode(mode: DebugMode, notify = true): void {
    this.#record("debug/mode", { mode });
    this.#mode = mode;
    if (mode !== "step") this.#budget = 0;
    if (notify) this.#changed();
  }

  #record<E extends EventName>(event: E, data: EventData<E>): void {
    this.#binding?.record(event, data);
  }

  #changed(): void {
    this.#onChange?.(this.state);
  }
}
