import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, defineChart, defineEvents, inlineActors, tellLlm, type EventsOf } from "@escapement/core";

/**
 * A coding loop with a budget. The coder writes files and runs the tests with real tools, then
 * reports the outcome with an event tool. The chart, not the model, decides what a failure means:
 * send it back and try again, or give up after `maxAttempts`.
 *
 * Files are written in the run's working directory: give the run a scratch one (`--work-dir /tmp/fizz`).
 */

const testCommand = "node --test fizzbuzz.test.mjs";

const events = defineEvents({
  "tests.passed": { schema: z.object({}), description: "the tests pass" },
  "tests.failed": { schema: z.object({ failure: z.string().min(1) }), description: "the tests fail; say how" },
});

const machine = setup({
  actors: inlineActors, // lets states invoke converse() and askHuman() inline
  types: {
    context: {} as { attempts: number; maxAttempts: number; lastFailure?: string },
    input: {} as { maxAttempts?: number } | undefined,
    events: {} as EventsOf<typeof events>,
  },
  guards: {
    // Checked before `attempts` counts the failure being handled, hence the + 1.
    canRetry: ({ context }) => context.attempts + 1 < context.maxAttempts,
  },
}).createMachine({
  id: "iterate",
  context: ({ input }) => ({ attempts: 0, maxAttempts: input?.maxAttempts ?? 3 }),
  initial: "coding",
  states: {
    coding: {
      invoke: converse({
        id: "coder",
        system: "You are a careful JavaScript engineer. You work only through your tools.",
        message: [
          "In the working directory, write fizzbuzz.test.mjs (node:test, testing fizzbuzz(3) = 'Fizz', fizzbuzz(5) = 'Buzz',",
          "fizzbuzz(15) = 'FizzBuzz' and fizzbuzz(7) = '7') and fizzbuzz.mjs exporting fizzbuzz(n).",
          `Run the tests with shell_run: ${testCommand}`,
          `Then report with ${events["tests.passed"].toolName}, or with ${events["tests.failed"].toolName} and the failing assertion. Do not retry on your own.`,
        ].join("\n"),
        realTools: ["fs_read", "fs_write", "fs_edit", "fs_multi_edit", "shell_run"],
        allowedEvents: events,
        // Each retry costs a few turns; this caps a model that never reports.
        maxTurns: 12,
      }),
      on: {
        "tests.passed": "done",
        // Guarded transitions are tried in order: retry while the budget lasts, else give up.
        "tests.failed": [
          {
            guard: "canRetry",
            // Internal transition: the conversation (and its whole history) stays alive.
            actions: [
              assign({ attempts: ({ context }) => context.attempts + 1, lastFailure: ({ event }) => event.failure }),
              // Runs after the assign above, so it sees the new count.
              tellLlm(
                "coder",
                ({ context }) =>
                  `Attempt ${context.attempts} of ${context.maxAttempts} failed: ${context.lastFailure}\n` +
                  `Fix the implementation (not the tests), run ${testCommand} again and report.`,
              ),
            ],
          },
          {
            target: "gaveUp",
            actions: assign({ attempts: ({ context }) => context.attempts + 1, lastFailure: ({ event }) => event.failure }),
          },
        ],
      },
    },
    done: { type: "final" },
    // A final state too: giving up is a planned outcome, not a crash. The run ends with status done.
    gaveUp: { type: "final" },
  },
});

export default defineChart({ id: "iterate", machine, description: "Write, test, feed failures back, retry up to N times." });
