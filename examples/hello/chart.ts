import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, defineChart, defineEvents, inlineActors, type EventsOf } from "@escapement/core";

// The events the model may send the chart. Each becomes an event tool: "greeting.done" is offered as "greeting_done".
const events = defineEvents({
  "greeting.done": { schema: z.object({ greeting: z.string().min(1) }), description: "report the greeting you wrote" },
});

/** One conversation, one event tool: the model greets and tells the chart it is done. */
const machine = setup({
  actors: inlineActors, // lets states invoke converse() and askHuman() inline
  types: {
    context: {} as { name: string; greeting?: string },
    input: {} as { name?: string } | undefined,
    // The events the chart handles, with the payload types the schemas give.
    events: {} as EventsOf<typeof events>,
  },
}).createMachine({
  id: "hello",
  context: ({ input }) => ({ name: input?.name ?? "world" }),
  initial: "greeting",
  states: {
    greeting: {
      invoke: converse({
        id: "greeter",
        system: "You greet people warmly in one short sentence.",
        message: ({ context }) => `Greet ${context.name}, then report the greeting with the ${events["greeting.done"].toolName} tool.`,
        // No real tools: this model can only talk and send the events above.
        realTools: [],
        allowedEvents: events,
      }),
      on: {
        // The validated payload arrives as the event's fields, typed. Leaving the state ends the conversation.
        "greeting.done": { target: "done", actions: assign({ greeting: ({ event }) => event.greeting }) },
      },
    },
    done: { type: "final" },
  },
});

export default defineChart({ id: "hello", machine, description: "The smallest chart: one conversation, one event tool." });
