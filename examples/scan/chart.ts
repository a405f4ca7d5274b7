import { assign, setup } from "xstate";
import { z } from "zod";
import { captureArtifact, converse, defineChart, defineEvents, inlineActors, type EventsOf } from "@escapement/core";

/**
 * Fan-out of events: one conversation reads a folder with the real fs tools and reports every
 * TODO it finds as its own `todo.found` event. The chart collects them in context; a final
 * `scan.done` ends the scan.
 */

const todo = z.object({
  file: z.string().describe("path of the file, as fs_glob listed it"),
  line: z.number().int().positive().describe("1-based line number"),
  text: z.string().min(1).describe("the TODO text, without the 'TODO:' marker"),
});
type Todo = z.output<typeof todo>;

const events = defineEvents({
  "todo.found": { schema: todo, description: "report one TODO line" },
  "scan.done": { schema: z.object({ filesRead: z.number().int().nonnegative() }), description: "every file has been read" },
});

const machine = setup({
  actors: inlineActors, // lets states invoke converse() and askHuman() inline
  types: {
    context: {} as { dir: string; todos: Todo[]; filesRead?: number },
    // Paths are relative to the run's working directory (the directory you run escapement from).
    input: {} as { dir?: string } | undefined,
    events: {} as EventsOf<typeof events>,
  },
}).createMachine({
  id: "scan",
  context: ({ input }) => ({ dir: input?.dir ?? "examples/scan/sample", todos: [] }),
  initial: "scanning",
  states: {
    scanning: {
      invoke: converse({
        id: "scanner",
        system: "You audit text files. You report facts through the tools you are given, never in prose.",
        message: ({ context }) =>
          `List the .txt files in ${context.dir} with fs_glob (pass it as cwd), read each with fs_read, ` +
          `then call ${events["todo.found"].toolName} once for every line containing "TODO:". ` +
          `When every file is done, call ${events["scan.done"].toolName}.`,
        // A whitelist: the scanner may look, never touch.
        realTools: ["fs_glob", "fs_read"],
        allowedEvents: events,
      }),
      on: {
        // No target: an internal transition. The state is not left, so the conversation keeps
        // running and may send many of these (several in one turn, too).
        "todo.found": {
          actions: assign({
            todos: ({ context, event }) => [...context.todos, { file: event.file, line: event.line, text: event.text }],
          }),
        },
        // Leaving the state ends the conversation.
        "scan.done": { target: "done", actions: assign({ filesRead: ({ event }) => event.filesRead }) },
      },
    },
    done: {
      type: "final",
      // The collected context, written out as the session's `todos.md` artifact.
      entry: captureArtifact("todos.md", ({ context }) =>
        [`# ${context.todos.length} TODOs in ${context.filesRead} files`, "", ...context.todos.map((t) => `- ${t.file}:${t.line} ${t.text}`), ""].join("\n"),
      ),
    },
  },
});

export default defineChart({ id: "scan", machine, description: "Read files with fs tools; fan out one event per finding." });
