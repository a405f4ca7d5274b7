import { assign, setup } from "xstate";
import { z } from "zod";
import { captureArtifact, converse, defineChart, defineEvents, inlineActors, type EventsOf } from "@escapement/core";

// One set of events per conversation: each conversation is offered only its own.
const namerEvents = defineEvents({ "name.proposed": { schema: z.object({ name: z.string().min(1) }), description: "the product name" } });
const copywriterEvents = defineEvents({
  "tagline.proposed": { schema: z.object({ tagline: z.string().min(1) }), description: "the tagline" },
});

/**
 * Two regions of a parallel state, each with its own conversation. They run at the same time and
 * know nothing of each other; the chart moves on only when both regions have reached their final
 * state (`onDone` of the parallel state).
 */
const machine = setup({
  actors: inlineActors, // lets states invoke converse() and askHuman() inline
  types: {
    context: {} as { product: string; name?: string; tagline?: string },
    input: {} as { product?: string } | undefined,
    events: {} as EventsOf<typeof namerEvents> | EventsOf<typeof copywriterEvents>,
  },
}).createMachine({
  id: "parallel",
  context: ({ input }) => ({ product: input?.product ?? "a pocket watch that never needs winding" }),
  initial: "work",
  states: {
    work: {
      type: "parallel",
      states: {
        // State path "work.left.drafting": scripts and transcripts name conversations by it.
        left: {
          initial: "drafting",
          states: {
            drafting: {
              invoke: converse({
                id: "namer",
                system: "You name products. One or two words, no explanation.",
                message: ({ context }) => `Name this product: ${context.product}. Report it with ${namerEvents["name.proposed"].toolName}.`,
                realTools: [],
                allowedEvents: namerEvents,
              }),
              on: {
                "name.proposed": { target: "done", actions: assign({ name: ({ event }) => event.name }) },
              },
            },
            done: { type: "final" },
          },
        },
        right: {
          initial: "drafting",
          states: {
            drafting: {
              invoke: converse({
                id: "copywriter",
                system: "You write taglines: one sentence, under ten words.",
                message: ({ context }) => `Write a tagline for: ${context.product}. Report it with ${copywriterEvents["tagline.proposed"].toolName}.`,
                realTools: [],
                allowedEvents: copywriterEvents,
              }),
              on: {
                "tagline.proposed": { target: "done", actions: assign({ tagline: ({ event }) => event.tagline }) },
              },
            },
            done: { type: "final" },
          },
        },
      },
      // The join: taken once every region is in a final state, whichever finished first.
      onDone: "done",
    },
    // Both regions wrote into the one shared context; the joined result becomes an artifact.
    done: { type: "final", entry: captureArtifact("pitch.txt", ({ context }) => `${context.name}: ${context.tagline}\n`) },
  },
});

export default defineChart({ id: "parallel", machine, description: "Two conversations in parallel regions, joined by onDone." });
