import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, defineChart, inlineActors } from "@escapement/core";

/** One conversation, one event tool: the model greets and tells the chart it is done. */
const machine = setup({
  actors: inlineActors, // lets states invoke converse() and askHuman() inline
  types: {
    context: {} as { name: string; greeting?: string },
    input: {} as { name?: string } | undefined,
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
        message: ({ context }) => `Greet ${context.name}, then report the greeting with the greeting_done tool.`,
        // No real tools: this model can only talk and send the events below.
        realTools: [],
        // Each allowed event becomes an event tool; "greeting.done" is offered as "greeting_done".
        allowedEvents: {
          "greeting.done": { schema: z.object({ greeting: z.string().min(1) }), description: "report the greeting you wrote" },
        },
      }),
      on: {
        // The validated payload arrives as the event's fields. Leaving the state ends the conversation.
        "greeting.done": { target: "done", actions: assign({ greeting: ({ event }) => event.greeting as string }) },
      },
    },
    done: { type: "final" },
  },
});

export default defineChart({ id: "hello", machine, description: "The smallest chart: one conversation, one event tool." });
