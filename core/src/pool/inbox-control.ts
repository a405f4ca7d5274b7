/**
 * Debugger control for a worker's run from its session's inbox: `escapement attach`, on another
 * machine, posts the wire's control frames (pause, step, continue, ...) there, and this applies
 * them to the run's debugger gate as a renderer attached to the run would.
 *
 * Control is for the run live now: entries posted before it started (for a run an earlier worker
 * had) are not applied. One posted before the run's first row waits for it (the gate refuses
 * control until the run has started). A control the gate refuses (a step while not paused) changes
 * nothing and is logged; the attached renderer sees the gate's state in the transcript's `debug/*` rows.
 */
import type { ControlAction } from "@escapement/wire-schema";
import { DebugGate, type RunGate } from "../debug/index.js";
import type { InboxEntry, SessionInbox } from "../store/index.js";

export interface InboxControlOptions {
  /** One line per control applied or refused. */
  log?: (line: string) => void;
  /** How often the inbox is read when nothing said it changed. Default 1000 ms. */
  pollMs?: number;
}

export interface InboxControl {
  /** The gate to run the session with (`debug`). */
  readonly gate: RunGate;
  /** Stops reading the inbox. */
  stop(): Promise<void>;
}

const ACTIONS: ReadonlySet<string> = new Set<ControlAction>(["pause", "step", "continue", "arm-pause-on-next-external", "interrupt", "quit"]);

/** The action and count of a control entry; undefined when it is not one this gate knows. */
function controlOf(entry: InboxEntry): { action: ControlAction; n: number } | undefined {
  if (entry.message.kind !== "control") return undefined;
  const { action, n } = entry.message.control;
  if (typeof action !== "string" || !ACTIONS.has(action)) return undefined;
  return { action: action as ControlAction, n: typeof n === "number" && Number.isInteger(n) && n >= 1 ? n : 1 };
}

/** Starts reading the session's inbox for control; without an inbox, the gate is one nothing controls. */
export async function inboxControl(inbox: SessionInbox | undefined, sessionId: string, options: InboxControlOptions = {}): Promise<InboxControl> {
  const gate = new DebugGate();
  if (!inbox) return { gate, stop: async () => {} };
  const log = options.log ?? (() => {});
  /** The last entry read. */
  let after = (await inbox.read(sessionId, 0)).at(-1)?.seq ?? 0;
  /** Controls read before the run started: applied once it has. */
  const waiting: { action: ControlAction; n: number }[] = [];
  let bound = false;
  let stopped = false;

  const apply = (control: { action: ControlAction; n: number }) => {
    const result = gate.control(control.action, control.n);
    if (result.ok) log(`session ${sessionId}: debugger ${control.action} from the inbox`);
    else log(`session ${sessionId}: debugger ${control.action} from the inbox refused: ${result.error.message}`);
  };

  // One read at a time, in order; a read asked for meanwhile runs once the current one ends.
  let reading: Promise<void> = Promise.resolve();
  let again = false;
  const readInbox = (): Promise<void> => {
    if (again) return reading;
    again = true;
    reading = reading.then(async () => {
      again = false;
      if (stopped) return;
      let entries: InboxEntry[];
      try {
        entries = await inbox.read(sessionId, after);
      } catch (error) {
        // The store is unreachable for now: the next poll tries again.
        log(`session ${sessionId}: reading the inbox failed: ${(error as Error).message}`);
        return;
      }
      for (const entry of entries) {
        after = Math.max(after, entry.seq);
        const control = controlOf(entry);
        if (!control) continue;
        if (bound) apply(control);
        else waiting.push(control);
      }
    });
    return reading;
  };

  const unwatch = await inbox.watch(sessionId, () => void readInbox()).catch(() => undefined);
  const timer = setInterval(() => void readInbox(), options.pollMs ?? 1000);
  timer.unref?.();

  const runGate: RunGate = {
    get paused() {
      return gate.paused;
    },
    bind: (binding) => {
      gate.bind(binding);
      bound = true;
      for (const control of waiting.splice(0)) apply(control);
    },
    close: () => gate.close(),
    pass: (label, deliver) => gate.pass(label, deliver),
    enter: (label, signal) => gate.enter(label, signal),
    interruptible: (invokeId, abort) => gate.interruptible(invokeId, abort),
  };

  return {
    gate: runGate,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await unwatch?.().catch(() => {});
      await reading;
    },
  };
}
