import type { AnyActorRef, EventObject } from "xstate";
import { scheduledEvents } from "./xstate-internals.js";

/** A delayed event (an `after` transition or a delayed raise/send) that a resume must re-arm. */
export interface PersistedTimer {
  id: string;
  event: EventObject;
  /** When it is due, on the runner's clock. */
  dueAt: number;
}

/**
 * Delayed events the root actor sends to itself. xstate keeps them in its system scheduler but
 * does not persist them, so the runner records them with each checkpoint. `startedAt` comes from
 * xstate's wall clock; `offset` converts it onto the runner's clock.
 */
export function captureTimers(root: AnyActorRef, offset = 0): PersistedTimer[] {
  const timers: PersistedTimer[] = [];
  for (const scheduled of scheduledEvents(root.system)) {
    if (scheduled.source !== root || scheduled.target !== root) continue;
    timers.push({ id: scheduled.id, event: scheduled.event, dueAt: scheduled.startedAt + offset + scheduled.delay });
  }
  return timers;
}

/** Re-arms recorded timers through the system's public scheduler, each due when it was before. */
export function restoreTimers(root: AnyActorRef, timers: readonly PersistedTimer[], now: number): void {
  for (const timer of timers) {
    root.system.scheduler.schedule(root, root, timer.event, Math.max(0, timer.dueAt - now), timer.id);
  }
}
