/**
 * Parking: a run that waits only on a person's answer, or on a chart timer due far off, is
 * stopped and its session left `parked`, so a process can hold many waiting sessions at the cost
 * of their stored state alone. The watch looks a few times a second; the run parks when nothing
 * but prompts has been in flight, with no new row, for `afterMs`, or at once when nothing is in
 * flight and every pending timer is due more than `timerMs` from now. Anything else pending (a
 * model call, a tool, a timer of a child actor, a paused debugger) keeps it running.
 *
 * The run ends as an interrupted one does (its session resumes from the last checkpoint, which
 * holds the open prompt and, with the timers' due times, every pending timer), with the manifest
 * saying `parked` and on what.
 */
import type { ParkedOn } from "../runtime/session-dir.js";
import { captureTimers, type PersistedTimer } from "../runtime/delayed-events.js";
import { scheduledEvents } from "../runtime/xstate-internals.js";
import type { AnyActorRef } from "xstate";

/** When a run parks (`RunChartOptions.park`). */
export interface ParkPolicy {
  /** How long a run waiting only on prompts waits before it parks (ms). */
  afterMs: number;
  /** A run with nothing in flight parks when its earliest timer is due more than this far off (ms); default `afterMs`. */
  timerMs?: number;
  /** How often the watch looks (ms); default a quarter of the smaller threshold, between 20 and 250. */
  intervalMs?: number;
  /** The last inbox entry the run's human has read (recorded with the park, so the woken run reads on from there); default 0. */
  inboxSeq?: () => number;
}

/** What the watch saw at its last look. */
export interface ParkWatchState {
  lastSeq: number;
  /** When the run was last seen doing something (a new row, or work other than prompts). */
  quietSince: number;
}

/** What a look needs of the run. */
export interface ParkView {
  actor: AnyActorRef;
  /** Labels of the work in flight (`prompt <id>` for an open prompt). */
  inflight: readonly string[];
  lastSeq: number;
  paused: boolean;
  /**
   * Whether the last checkpoint holds the run as it is: every row flushed and acknowledged, and the
   * chart unchanged since. A run parks only then, since its woken run starts from that checkpoint.
   */
  checkpointed: boolean;
  /** The runner's clock now, and its offset from xstate's wall clock (`Date.now`). */
  now: number;
  offset: number;
}

const PROMPT = "prompt ";

/** The watch's interval for a policy. */
export const parkInterval = (policy: ParkPolicy): number =>
  policy.intervalMs ?? Math.min(250, Math.max(20, Math.floor(Math.min(policy.afterMs, policy.timerMs ?? policy.afterMs) / 4)));

/** One look: what the run would park on now, or undefined (and the state updated). */
export function parkingCheck(view: ParkView, policy: ParkPolicy, state: ParkWatchState): Omit<ParkedOn, "inboxSeq"> | undefined {
  const prompts = view.inflight.filter((label) => label.startsWith(PROMPT)).map((label) => label.slice(PROMPT.length));
  const otherWork = view.inflight.length > prompts.length;
  const timers = captureTimers(view.actor, view.offset);
  // A timer another actor set (a child's) is not in the checkpoint: such a run cannot park.
  const foreignTimers = scheduledEvents(view.actor.system).length > timers.length;
  if (view.lastSeq !== state.lastSeq || otherWork || foreignTimers || view.paused) {
    state.lastSeq = view.lastSeq;
    state.quietSince = view.now;
    return undefined;
  }
  if (!view.checkpointed) return undefined;
  const dueAt = earliest(timers);
  const timerMs = policy.timerMs ?? policy.afterMs;
  // A timer due soon is waited for here: parking and waking would cost more.
  if (dueAt !== undefined && dueAt - view.now <= timerMs) return undefined;
  const quietFor = view.now - state.quietSince;
  if (prompts.length > 0) {
    if (quietFor < policy.afterMs) return undefined;
  } else if (dueAt === undefined || quietFor <= 0) {
    // Nothing pending at all is the wedge guard's, not parking's; a timer-only run parks at the second quiet look.
    return undefined;
  }
  return { prompts, ...(dueAt === undefined ? {} : { dueAt }), at: view.now };
}

const earliest = (timers: readonly PersistedTimer[]): number | undefined => (timers.length === 0 ? undefined : Math.min(...timers.map((timer) => timer.dueAt)));
