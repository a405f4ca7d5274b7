import { describe, expect, it } from "vitest";
import { createActor, createMachine, fromCallback, getStateNodes, raise, type AnyActorRef, type AnyMachineSnapshot, type InspectionEvent } from "xstate";
import {
  activeStateNodes,
  interceptInspection,
  parentOf,
  scheduledEvents,
  stopChildActor,
  XstateInternalError,
  type SystemInspectionEvent,
} from "../../src/runtime/xstate-internals.js";

// Each accessor runs against a real actor of the installed xstate: an xstate release that renames
// or reshapes one of these internals fails here, by name, instead of in a run.

/** No real timers: the scheduler records delayed events, the test never waits for them. */
const idleClock = { setTimeout: () => 0, clearTimeout: () => {} };

const pathsOf = (nodes: readonly { path: string[] }[]) => nodes.map((node) => node.path.join("."));

const internalError = (internal: string) => expect.objectContaining({ name: "XstateInternalError", internal, message: expect.stringContaining(internal) });

describe("activeStateNodes (MachineSnapshot._nodes)", () => {
  const parallel = createMachine({
    id: "m",
    type: "parallel",
    states: {
      left: { initial: "a", states: { a: { on: { STEP: "b" } }, b: {} } },
      right: { initial: "x", states: { x: {} } },
    },
  });

  it("lists the active nodes, root first, in the order xstate keeps them", () => {
    const actor = createActor(parallel).start();
    expect(pathsOf(activeStateNodes(actor.getSnapshot()))).toEqual(["", "left", "left.a", "right", "right.x"]);
    actor.send({ type: "STEP" });
    // A node entered later follows the ones that stayed active: the order recorded configurations keep.
    expect(pathsOf(activeStateNodes(actor.getSnapshot()))).toEqual(["", "left", "right", "right.x", "left.b"]);
    actor.stop();
  });

  it("holds the same nodes as the public getStateNodes, whose order differs in a parallel state", () => {
    const actor = createActor(parallel).start();
    actor.send({ type: "STEP" });
    const snapshot = actor.getSnapshot();
    const fromValue = pathsOf([...new Set(getStateNodes(snapshot.machine.root, snapshot.value))]);
    const internal = pathsOf(activeStateNodes(snapshot));
    expect([...internal].sort()).toEqual([...fromValue].sort());
    expect(internal).not.toEqual(fromValue);
    actor.stop();
  });

  it("throws naming the internal when a snapshot has no _nodes, or not an array", () => {
    const { _nodes, ...withoutNodes } = createActor(parallel).getSnapshot();
    expect(_nodes.length).toBeGreaterThan(0);
    expect(() => activeStateNodes(withoutNodes as AnyMachineSnapshot)).toThrow(internalError("MachineSnapshot._nodes"));
    expect(() => activeStateNodes({ ...withoutNodes, _nodes: {} } as AnyMachineSnapshot)).toThrow(XstateInternalError);
  });
});

describe("parentOf (Actor._parent)", () => {
  const parentMachine = createMachine({ id: "parent", invoke: { id: "child", src: fromCallback(() => () => {}) } });

  it("is the actor that invoked this one, and undefined for the root", () => {
    const root = createActor(parentMachine).start();
    const child = root.getSnapshot().children.child as AnyActorRef;
    expect(child).toBeDefined();
    expect(parentOf(child)).toBe(root);
    expect(parentOf(root)).toBeUndefined();
    root.stop();
  });

  it("throws naming the internal when an actor has no _parent, or one that is not an actor", () => {
    expect(() => parentOf({} as AnyActorRef)).toThrow(internalError("Actor._parent"));
    expect(() => parentOf({ _parent: 42 } as unknown as AnyActorRef)).toThrow(internalError("Actor._parent"));
  });
});

describe("scheduledEvents (ActorSystem.getSnapshot()._scheduledEvents)", () => {
  const delayed = createMachine({
    id: "delayed",
    initial: "waiting",
    states: {
      waiting: { entry: raise({ type: "ping" }, { id: "ping", delay: 500 }), after: { 60_000: "late" } },
      late: {},
    },
  });

  it("lists the pending delayed events with their source, target, event, delay and start", () => {
    const before = Date.now();
    const actor = createActor(delayed, { clock: idleClock }).start();
    const after = Date.now();
    const pending = scheduledEvents(actor.system);
    expect(pending.map(({ id, event, delay }) => ({ id, type: event.type, delay }))).toEqual([
      { id: "ping", type: "ping", delay: 500 },
      { id: expect.any(String), type: expect.stringContaining("after"), delay: 60_000 },
    ]);
    for (const scheduled of pending) {
      expect(scheduled.source).toBe(actor);
      expect(scheduled.target).toBe(actor);
      expect(scheduled.startedAt).toBeGreaterThanOrEqual(before);
      expect(scheduled.startedAt).toBeLessThanOrEqual(after);
    }
    actor.stop();
  });

  it("follows the public scheduler's schedule and cancel", () => {
    const actor = createActor(delayed, { clock: idleClock }).start();
    actor.system.scheduler.cancel(actor, "ping");
    actor.system.scheduler.schedule(actor, actor, { type: "pong" }, 10, "pong");
    expect(scheduledEvents(actor.system).map((scheduled) => scheduled.id)).not.toContain("ping");
    expect(scheduledEvents(actor.system).find((scheduled) => scheduled.id === "pong")).toMatchObject({ event: { type: "pong" }, delay: 10 });
    actor.stop();
  });

  it("throws naming the internal when the system snapshot has no _scheduledEvents, or a malformed entry", () => {
    const systemWith = (snapshot: object) => ({ getSnapshot: () => snapshot }) as unknown as AnyActorRef["system"];
    expect(() => scheduledEvents(systemWith({}))).toThrow(internalError("ActorSystem.getSnapshot()._scheduledEvents"));
    expect(() => scheduledEvents(systemWith({ _scheduledEvents: null }))).toThrow(XstateInternalError);
    const actor = createActor(delayed, { clock: idleClock }).start();
    const [scheduled] = scheduledEvents(actor.system);
    const { startedAt, ...withoutStart } = scheduled!;
    expect(startedAt).toBeTypeOf("number");
    expect(() => scheduledEvents(systemWith({ _scheduledEvents: { x: withoutStart } }))).toThrow(internalError("ActorSystem.getSnapshot()._scheduledEvents"));
    actor.stop();
  });
});

describe("stopChildActor (Actor._stop)", () => {
  it("stops an invoked actor, which the public stop() refuses", () => {
    let cleanedUp = false;
    const root = createActor(createMachine({ invoke: { id: "child", src: fromCallback(() => () => void (cleanedUp = true)) } })).start();
    const child = root.getSnapshot().children.child as AnyActorRef;
    expect(() => child.stop()).toThrow(/non-root/);
    stopChildActor(child);
    expect(cleanedUp).toBe(true);
    expect(child.getSnapshot().status).toBe("stopped");
    root.stop();
  });

  it("throws naming the internal when an actor has no _stop, or one that is not a function", () => {
    expect(() => stopChildActor({} as AnyActorRef)).toThrow(internalError("Actor._stop"));
    expect(() => stopChildActor({ _stop: true } as unknown as AnyActorRef)).toThrow(internalError("Actor._stop"));
  });
});

describe("interceptInspection (ActorSystem._sendInspectionEvent)", () => {
  const counter = createMachine({
    id: "counter",
    initial: "a",
    invoke: { id: "child", src: fromCallback(() => () => {}) },
    states: { a: { on: { STEP: "b" } }, b: {} },
  });

  it("shows every event to the handler first, uncopied, then to the observers as before", () => {
    const seen: string[] = [];
    const taken: SystemInspectionEvent[] = [];
    const roots = new Set<string>();
    const actor = createActor(counter, {
      inspect: (event: InspectionEvent) => {
        roots.add(event.rootId);
        seen.push(`observer ${event.type}`);
      },
    });
    const later: string[] = [];
    expect(
      interceptInspection(actor.system, (event) => {
        taken.push(event);
        seen.push(`handler ${event.type}`);
      }),
    ).toBe(true);
    actor.system.inspect((event) => later.push(event.type));
    actor.start();
    actor.send({ type: "STEP" });
    const snapshots = taken.filter((event) => event.type === "@xstate.snapshot" && event.actorRef === actor);
    // The root's snapshots, each with the event that made it: init, then the send.
    expect(snapshots.map((event) => (event as unknown as { event: { type: string } }).event.type)).toEqual(["xstate.init", "STEP"]);
    expect(taken.every((event) => !("rootId" in event))).toBe(true);
    // Each event: the handler, then the option's observer (with rootId), and an observer added later too.
    const afterStart = seen.slice(seen.indexOf(`handler ${taken[0]!.type}`));
    for (let index = 0; index < taken.length; index++) {
      expect(afterStart[2 * index]).toBe(`handler ${taken[index]!.type}`);
      expect(afterStart[2 * index + 1]).toBe(`observer ${taken[index]!.type}`);
    }
    expect(later).toEqual(taken.map((event) => event.type));
    expect([...roots]).toEqual([actor.sessionId]);
    actor.stop();
  });

  it("changes nothing on a system without the member", () => {
    expect(interceptInspection({} as AnyActorRef["system"], () => {})).toBe(false);
  });
});
