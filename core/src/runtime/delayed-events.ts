import type { AnyActorRef, EventObject } from "xstate";

/** A delayed event (an `after` transition or a delayed raise/send) that a resume must re-arm. */
export interface PersistedTimer {
  id: string;
  event: EventObject;
  /** When it is due, on the runner's clock. */
  dueAt: number;
}

interface ScheduledEvent {
  source: AnyActorRef;
  target: AnyActorRef;
  event: EventObject;
  delay: number;
  id: string;
  startedAt: number;
}

interface SchedulerView {
  getSnapshot(): { _scheduledEvents: Record<string, ScheduledEvent> };
  scheduler: { schedule(source: AnyActorRef, target: AnyActorRef, event: EventObject, delay: number, id: string): void };
}

/**
 * Delayed events the root actor sends to itself. xstate keeps them in its system scheduler but
 * does not persist them, so the runner records them with each checkpoint. `startedAt` comes from
 * xstate's wall clock; `offset` converts it onto the runner's clock.
 */
export function captureTimers(root: AnyActorRef, offset = 0): PersistedTimer[] {
  const system = root.system as unknown as SchedulerView;
  const timers: PersistedTimer[] = [];
  for (const scheduled of Object.values(system.getSnapshot()._scheduledEvents)) {
    if (scheduled.source !== root || scheduled.target !== root) continue;
    timers.push({ id: scheduled.id, event: scheduled.event, dueAt: scheduled.startedAt + offset + scheduled.delay });
  }
  return timers;
}

export function restoreTimers(root: AnyActorRef, timers: readonly PersistedTimer[], now: number): void {
  const system = root.system as unknown as SchedulerView;
  for (const timer of timers) {
    system.scheduler.schedule(root, root, timer.event, Math.max(0, timer.dueAt - now), timer.id);
  }
}
