import { describe, expect, it } from "vitest";
import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, defineEvents, eventToolName, eventTools, inlineActors, type EventsOf } from "../../src/chart/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import { processed, requestText, runScripted } from "./helpers.js";

const greeting = z.object({ greeting: z.string().min(1) });
const plain = {
  "greeting.done": { schema: greeting, description: "report the greeting you wrote" },
  "step done/now": { schema: z.object({}), description: "a name with characters tools may not carry" },
};

describe("defineEvents", () => {
  it("keeps every event, in order, with its own schema and description", () => {
    const events = defineEvents(plain);
    expect(Object.keys(events)).toEqual(Object.keys(plain));
    expect(events["greeting.done"].schema).toBe(greeting);
    expect(events["greeting.done"].description).toBe("report the greeting you wrote");
  });

  it("names each event's tool as the runtime offers it", () => {
    const events = defineEvents(plain);
    expect(events["greeting.done"].toolName).toBe("greeting_done");
    expect(events["step done/now"].toolName).toBe(eventToolName("step done/now"));
    expect(eventTools(events).map((tool) => tool.toolName)).toEqual([events["greeting.done"].toolName, events["step done/now"].toolName]);
  });

  it("offers the model exactly the tools of the record it was given", () => {
    expect(eventTools(defineEvents(plain))).toEqual(eventTools(plain));
  });

  it("leaves the record it was given as it was", () => {
    defineEvents(plain);
    expect(plain["greeting.done"]).toEqual({ schema: greeting, description: "report the greeting you wrote" });
  });

  it("drives a chart whose prompt names the tool and whose handler reads the typed payload", async () => {
    const events = defineEvents({ "greeting.done": { schema: greeting, description: "report the greeting you wrote" } });
    const machine = setup({
      actors: inlineActors,
      types: { context: {} as { greeting?: string }, events: {} as EventsOf<typeof events> },
    }).createMachine({
      id: "greet",
      context: {},
      initial: "greeting",
      states: {
        greeting: {
          invoke: converse({ id: "greeter", message: `Greet, then call ${events["greeting.done"].toolName}.`, realTools: [], allowedEvents: events }),
          on: { "greeting.done": { target: "done", actions: assign({ greeting: ({ event }) => event.greeting.toUpperCase() }) } },
        },
        done: { type: "final" },
      },
    });
    const model = scriptedModel([{ events: [{ name: "greeting_done", payload: { greeting: "hello" } }] }]);
    const { result, rows } = await runScripted({ chart: machine, model });
    expect(result.finalConfig).toEqual(["done"]);
    expect(requestText(model.calls[0]!)).toContain("Greet, then call greeting_done.");
    expect(model.calls[0]!.tools.map((tool) => tool.name)).toEqual(["greeting_done"]);
    expect(processed(rows, "greeting.done")[0]!.eventData).toEqual({ greeting: "hello", invokeId: "greeter" });
  });
});
