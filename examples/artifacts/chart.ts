import { setup } from "xstate";
import { captureArtifact, converse, defineChart, fromArtifacts, inlineActors } from "@escapement/core";

/**
 * Writer -> critic through artifacts. The writer's reply is saved as the artifact `draft`
 * (artifacts/draft in the session directory); the critic's prompt pulls it in with `{{draft}}`.
 * Artifacts outlive conversations and survive resume, unlike context built from chat history.
 */
const machine = setup({
  actors: inlineActors, // lets states invoke converse() and askHuman() inline
  types: {
    context: {} as { topic: string },
    input: {} as { topic?: string } | undefined,
  },
}).createMachine({
  id: "artifacts",
  context: ({ input }) => ({ topic: input?.topic ?? "why statecharts make agents predictable" }),
  initial: "writing",
  states: {
    writing: {
      invoke: converse({
        id: "writer",
        system: "You write tight, concrete prose. Reply with the paragraph only.",
        message: ({ context }) => `Write one paragraph on ${context.topic}.`,
        realTools: [],
      }),
      on: {
        // `llm.idle` carries the finished turn's full text; captureArtifact saves `event.text` by default.
        "llm.idle": { target: "critiquing", actions: captureArtifact("draft") },
      },
    },
    critiquing: {
      invoke: converse({
        id: "critic",
        // fromArtifacts renders when the state is entered, so the draft captured on the way in is there.
        system: fromArtifacts("You are an exacting editor. The draft under review:\n\n{{draft}}"),
        message: "Give the single most important improvement to this draft, in one sentence.",
        realTools: [],
      }),
      on: {
        "llm.idle": { target: "done", actions: captureArtifact("critique") },
      },
    },
    done: { type: "final" },
  },
});

export default defineChart({ id: "artifacts", machine, description: "A writer's output captured as an artifact and fed to a critic." });
