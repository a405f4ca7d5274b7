import { assign, setup } from "xstate";
import { askHuman, converse, defineChart, inlineActors, type EndTurnEvent, type HumanCancelledEvent } from "@escapement/core";

/**
 * Human input as chart states: a text prompt, a select, a conversation, then a confirm. Each
 * `askHuman` invoke completes with the (validated) answer in `event.output` of its `onDone`.
 */
const tones = ["formal", "friendly", "pirate"] as const;

const machine = setup({
  actors: inlineActors, // lets states invoke converse() and askHuman() inline
  types: {
    context: {} as { name?: string; tone?: string; draft?: string },
    // No event tools here: the events are the writer's reply and a cancelled prompt.
    events: {} as EndTurnEvent | HumanCancelledEvent,
  },
}).createMachine({
  id: "ask",
  context: {},
  initial: "askName",
  // The human can cancel any prompt (`:cancel`, Esc in the TUI, or end of input under --no-tui).
  on: { "human.cancelled": ".cancelled" },
  states: {
    askName: {
      invoke: {
        ...askHuman({ id: "name", kind: "text", message: "Who should we greet?" }),
        onDone: { target: "pickTone", actions: assign({ name: ({ event }) => String(event.output) }) },
      },
    },
    pickTone: {
      invoke: {
        // The answer is one of the option values; the renderer shows labels (here the same).
        ...askHuman({ id: "tone", kind: "select", message: ({ context }) => `Which tone for ${context.name}?`, options: [...tones] }),
        onDone: { target: "drafting", actions: assign({ tone: ({ event }) => String(event.output) }) },
      },
    },
    drafting: {
      invoke: converse({
        id: "writer",
        system: "You write one-line greetings. Reply with the greeting only.",
        message: ({ context }) => `Write a ${context.tone} greeting for ${context.name}.`,
        realTools: [],
      }),
      on: {
        // With no event tools, the model's turn ends in plain text: the conversation sends
        // `llm.idle` (the default onEndTurnEvent) with the whole reply in `event.text`.
        "llm.idle": { target: "approving", actions: assign({ draft: ({ event }) => event.text }) },
      },
    },
    approving: {
      invoke: {
        ...askHuman({ id: "approve", kind: "confirm", message: ({ context }) => `Send this greeting?\n  ${context.draft}`, default: true }),
        onDone: [{ guard: ({ event }) => event.output === true, target: "sent" }, { target: "discarded" }],
      },
    },
    sent: { type: "final" },
    discarded: { type: "final" },
    cancelled: { type: "final" },
  },
});

export default defineChart({ id: "ask", machine, description: "Text, select and confirm prompts around one conversation." });
