/**
 * The types `defineEvents` gives a chart, pinned. The assertions are checked by vitest's typecheck and `tsc -p core` (a
 * wrong inference fails the type check); at run time `expectTypeOf` does nothing.
 */
import { describe, expectTypeOf, it } from "vitest";
import { assign, setup } from "xstate";
import { z } from "zod";
import {
  converse,
  defineEvents,
  inlineActors,
  type AllowedEvents,
  type EndTurnEvent,
  type EventOf,
  type EventsOf,
  type HumanCancelledEvent,
  type LlmErrorEvent,
} from "../../src/chart/index.js";

const events = defineEvents({
  "greeting.done": { schema: z.object({ greeting: z.string().min(1) }), description: "report the greeting" },
  "tests.passed": { schema: z.object({}), description: "the tests pass" },
  "todo.found": {
    schema: z.object({ line: z.string().transform(Number), note: z.string().optional(), tag: z.string().default("todo") }),
    description: "one TODO",
  },
  "count.reported": { schema: z.number().int(), description: "a bare number" },
  "ids.listed": { schema: z.array(z.string()), description: "a bare array" },
  "shadow.sent": { schema: z.object({ type: z.number(), invokeId: z.number(), kept: z.boolean() }), description: "fields the runtime overrides" },
});
type Events = EventsOf<typeof events>;

describe("EventsOf", () => {
  it("gives each event its name, the conversation's id and the schema's fields", () => {
    expectTypeOf<EventOf<typeof events, "greeting.done">>().toEqualTypeOf<{ type: "greeting.done"; invokeId: string; greeting: string }>();
    expectTypeOf<EventOf<typeof events, "tests.passed">>().toEqualTypeOf<{ type: "tests.passed"; invokeId: string }>();
  });

  it("types payloads as parsed: transforms and defaults applied, optional fields optional", () => {
    expectTypeOf<EventOf<typeof events, "todo.found">>().toEqualTypeOf<{
      type: "todo.found";
      invokeId: string;
      line: number;
      note?: string | undefined;
      tag: string;
    }>();
  });

  it("puts a payload that is not an object under `value`", () => {
    expectTypeOf<EventOf<typeof events, "count.reported">>().toEqualTypeOf<{ type: "count.reported"; invokeId: string; value: number }>();
    expectTypeOf<EventOf<typeof events, "ids.listed">>().toEqualTypeOf<{ type: "ids.listed"; invokeId: string; value: string[] }>();
  });

  it("lets `type` and `invokeId` be the conversation's, as at run time", () => {
    expectTypeOf<EventOf<typeof events, "shadow.sent">>().toEqualTypeOf<{ type: "shadow.sent"; invokeId: string; kept: boolean }>();
  });

  it("is the union of every event, by name", () => {
    expectTypeOf<Events["type"]>().toEqualTypeOf<"greeting.done" | "tests.passed" | "todo.found" | "count.reported" | "ids.listed" | "shadow.sent">();
    expectTypeOf<Extract<Events, { type: "greeting.done" }>>().toEqualTypeOf<EventOf<typeof events, "greeting.done">>();
  });
});

describe("defineEvents", () => {
  it("returns allowed events, with each tool's name", () => {
    expectTypeOf(events).toExtend<AllowedEvents>();
    expectTypeOf(events["greeting.done"].toolName).toEqualTypeOf<string>();
    // @ts-expect-error: no event of that name
    void events["greeting.dne"];
  });

  it("types the handlers of a chart that declares its events", () => {
    const machine = setup({
      actors: inlineActors,
      types: { context: {} as { greeting?: string; line?: number }, events: {} as Events },
    }).createMachine({
      context: {},
      initial: "talking",
      states: {
        talking: {
          invoke: converse({ id: "c", message: `call ${events["greeting.done"].toolName}`, allowedEvents: events }),
          on: {
            "greeting.done": {
              target: "done",
              actions: assign({
                greeting: ({ event }) => {
                  expectTypeOf(event).toEqualTypeOf<EventOf<typeof events, "greeting.done">>();
                  return event.greeting;
                },
              }),
            },
            "todo.found": { actions: assign({ line: ({ event }) => event.line }) },
          },
        },
        done: { type: "final" },
      },
    });
    expectTypeOf(machine).not.toBeAny();
  });

  it("rejects a wrong field, a wrong payload type and a wrong event name", () => {
    setup({ types: { context: {} as { greeting?: string }, events: {} as Events } }).createMachine({
      context: {},
      on: {
        // @ts-expect-error: `greting` is no field of greeting.done
        "greeting.done": { actions: assign({ greeting: ({ event }) => event.greting }) },
      },
    });
    setup({ types: { context: {} as { line?: number }, events: {} as Events } }).createMachine({
      context: {},
      on: {
        // @ts-expect-error: the payload's `greeting` is a string, not a number
        "greeting.done": { actions: assign({ line: ({ event }) => event.greeting }) },
        // @ts-expect-error: no event of that name
        "greeting.dne": {},
      },
    });
  });
});

describe("the events Escapement sends on its own", () => {
  it("type the end of a turn, model errors (wildcard included) and a cancelled prompt", () => {
    setup({
      types: {
        context: {} as { text?: string; why?: string },
        events: {} as Events | EndTurnEvent | EndTurnEvent<"critic.idle"> | LlmErrorEvent | HumanCancelledEvent,
      },
    }).createMachine({
      context: {},
      on: {
        "llm.idle": { actions: assign({ text: ({ event }) => event.text }) },
        "critic.idle": { actions: assign({ text: ({ event }) => `${event.turn}: ${event.text}` }) },
        "error.llm.*": { actions: assign({ why: ({ event }) => `${event.category}: ${event.message ?? ""}` }) },
        "human.cancelled": { actions: assign({ why: ({ event }) => event.promptId }) },
      },
    });
    expectTypeOf<Extract<LlmErrorEvent, { type: "error.llm.max-turns" }>["category"]>().toEqualTypeOf<"max-turns">();
  });
});
