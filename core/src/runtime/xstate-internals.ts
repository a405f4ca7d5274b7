/**
 * The xstate internals the runtime reads, each behind one typed accessor. They have no public
 * equivalent in xstate 5 (checked against 5.13.0, the oldest supported release, and 5.33); an
 * xstate release may rename or reshape any of them without notice, so each accessor checks the
 * shape it relies on and throws an `XstateInternalError` naming the member, rather than letting
 * a missing member read as `undefined` and quietly change what a run records.
 *
 * - `MachineSnapshot._nodes`: the active state nodes, in the order xstate keeps them (nodes that
 *   stay active keep their place, newly entered ones follow in document order). The public
 *   `getStateNodes(machine.root, snapshot.value)` yields the same nodes but, wherever a parallel
 *   state is active, in another order; the active states a run records (`before`/`after`,
 *   `finalConfig`, chart-config events) are in xstate's order.
 * - `Actor._parent`: the actor that invoked this one. An actor's public scope (`self`, `system`,
 *   `emit`, …) does not name its parent, and `ActorRef` has no public `parent`; a conversation
 *   sends its parent events, reads its context and finds which of its states invoked it.
 * - `ActorSystem.getSnapshot()._scheduledEvents`: the pending delayed events (`after`
 *   transitions, delayed sends). The public `system.scheduler` schedules and cancels them but
 *   cannot list them, and xstate does not persist them, so checkpoints record them from here.
 *   Read from `ActorSystem._snapshot._scheduledEvents` (what `getSnapshot()` copies) when the
 *   system has it, since every checkpoint reads them.
 * - `Actor._stop()`: stops an actor that has a parent, as xstate's own `stopChild` does. The
 *   public `stop()` throws for a non-root actor and the public `stopChild` exists only in the
 *   parent's own actor scope; an errored machine does not stop the actors it invoked, so the
 *   runner stops them from outside.
 * - `ActorSystem._sendInspectionEvent`: where every actor of a system sends its inspection events,
 *   which xstate then copies (adding `rootId`) for each observer. A run reads the snapshots here,
 *   before that dispatch (see `interceptInspection`): four to six events per event it processes,
 *   none copied unless an observer (a host's inspector) is there to take them. Where the member is
 *   missing the run observes through the public `system.inspect`.
 *
 * @internal
 */
import type { AnyActorRef, AnyMachineSnapshot, AnyStateNode, EventObject, InspectionEvent } from "xstate";

/** The shape of an xstate internal is not what this module reads: the installed xstate changed it. */
export class XstateInternalError extends Error {
  override readonly name = "XstateInternalError";
  constructor(
    /** The internal, as `Owner.member`. */
    readonly internal: string,
    problem: string,
  ) {
    super(`xstate internal ${internal} ${problem}; the installed xstate changed a private member that has no public replacement`);
  }
}

/** A delayed event pending in the actor system's scheduler. */
export interface ScheduledEvent {
  /** The send id, unique per source actor. */
  id: string;
  event: EventObject;
  source: AnyActorRef;
  target: AnyActorRef;
  /** When it was scheduled: xstate's `Date.now()`, not the actor's clock. */
  startedAt: number;
  delay: number;
}

/** The active state nodes of a machine snapshot, in xstate's order (`MachineSnapshot._nodes`). */
export function activeStateNodes(snapshot: AnyMachineSnapshot): readonly AnyStateNode[] {
  const nodes = internalMember(snapshot, "_nodes", "MachineSnapshot._nodes");
  if (!Array.isArray(nodes)) throw new XstateInternalError("MachineSnapshot._nodes", "is not an array");
  return nodes as AnyStateNode[];
}

/** The actor that invoked or spawned this one (`Actor._parent`); undefined for a root actor. */
export function parentOf(actor: AnyActorRef): AnyActorRef | undefined {
  const parent = internalMember(actor, "_parent", "Actor._parent");
  if (parent === undefined) return undefined;
  if (!isActorRef(parent)) throw new XstateInternalError("Actor._parent", "is not an actor");
  return parent;
}

/** The delayed events pending in an actor system, in scheduling order (`getSnapshot()._scheduledEvents`). */
export function scheduledEvents(system: AnyActorRef["system"]): ScheduledEvent[] {
  // Read at every checkpoint: the system's own record when it keeps one (`_snapshot`, read, never
  // changed), rather than the copy `getSnapshot()` makes of it for every call.
  const own = isObject(system) ? (Reflect.get(system, "_snapshot") as unknown) : undefined;
  const pending =
    isObject(own) && isObject(Reflect.get(own, "_scheduledEvents"))
      ? Reflect.get(own, "_scheduledEvents")
      : internalMember(system.getSnapshot(), "_scheduledEvents", "ActorSystem.getSnapshot()._scheduledEvents");
  if (!isObject(pending)) throw new XstateInternalError("ActorSystem.getSnapshot()._scheduledEvents", "is not an object");
  const events: ScheduledEvent[] = [];
  for (const key in pending) {
    if (!Object.hasOwn(pending, key)) continue;
    const scheduled = (pending as Record<string, unknown>)[key];
    if (!isScheduledEvent(scheduled)) {
      throw new XstateInternalError("ActorSystem.getSnapshot()._scheduledEvents", "holds an entry without id, event, source, target, startedAt and delay");
    }
    events.push(scheduled);
  }
  return events;
}

/** Stops an actor whether or not it has a parent (`Actor._stop()`); the public `stop()` refuses one that does. */
export function stopChildActor(actor: AnyActorRef): void {
  const stop = internalMember(actor, "_stop", "Actor._stop");
  if (typeof stop !== "function") throw new XstateInternalError("Actor._stop", "is not a function");
  stop.call(actor);
}

/** An inspection event as an actor sends it to its system: without the `rootId` xstate adds for observers. */
export type SystemInspectionEvent = Omit<InspectionEvent, "rootId">;

/**
 * Shows every inspection event of `system` to `handler` first, as the actor sends it (without the
 * `rootId` xstate adds for observers), then hands it to xstate's own dispatch
 * (`ActorSystem._sendInspectionEvent`), which copies it for the observers of the `inspect` option
 * and of `system.inspect` as before, and does nothing when there are none. False, and nothing
 * changed, when the system has no such member.
 */
export function interceptInspection(system: AnyActorRef["system"], handler: (event: SystemInspectionEvent) => void): boolean {
  const dispatch = isObject(system) ? (Reflect.get(system, "_sendInspectionEvent") as unknown) : undefined;
  if (typeof dispatch !== "function") return false;
  Reflect.set(system, "_sendInspectionEvent", (event: SystemInspectionEvent) => {
    handler(event);
    Reflect.apply(dispatch, system, [event]);
  });
  return true;
}

/** A member that must exist (own or inherited), read without a cast; its shape is the caller's to check. */
function internalMember(owner: unknown, member: string, internal: string): unknown {
  if (!isObject(owner) || !(member in owner)) throw new XstateInternalError(internal, "is missing");
  return Reflect.get(owner, member);
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function isActorRef(value: unknown): value is AnyActorRef {
  return isObject(value) && "send" in value && typeof value.send === "function";
}

function isScheduledEvent(value: unknown): value is ScheduledEvent {
  if (!isObject(value)) return false;
  const { id, event, source, target, startedAt, delay } = value as Partial<Record<keyof ScheduledEvent, unknown>>;
  return (
    typeof id === "string" &&
    isObject(event) &&
    typeof (event as Partial<EventObject>).type === "string" &&
    isActorRef(source) &&
    isActorRef(target) &&
    typeof startedAt === "number" &&
    typeof delay === "number"
  );
}
