import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, defineChart, defineEvents, inlineActors, type EventsOf } from "../../src/index.js";
import { exploreChart } from "../../src/sim/index.js";

// A meeting is booked at an ISO time the schema turns into milliseconds: a transform, which the
// simulator cannot invert, so it must name the event and the path.
const events = defineEvents({
  "meeting.booked": {
    schema: z.object({ slot: z.object({ at: z.string().transform((text) => Date.parse(text)) }), seats: z.number().int().min(1).max(9) }),
    description: "book the meeting",
  },
});

const machine = setup({
  actors: inlineActors,
  types: { context: {} as { seats: number; booked?: number }, events: {} as EventsOf<typeof events> },
}).createMachine({
  id: "booking",
  context: { seats: 4 },
  initial: "booking",
  states: {
    booking: {
      invoke: converse({ id: "booker", message: "Book it.", realTools: [], allowedEvents: events, maxTurns: 3 }),
      on: {
        "meeting.booked": [
          // Only the room's own size is taken; anything else is refused and asked again.
          { guard: ({ context, event }) => event.seats === context.seats, target: "booked", actions: assign({ booked: ({ event }) => event.slot.at }) },
          { actions: () => undefined },
        ],
      },
    },
    booked: { type: "final" },
  },
});

const booking = defineChart({ id: "booking", machine });

describe("payload generators given by hand", () => {
  it("names the event and the schema path of a transform, with the fix", async () => {
    const report = await exploreChart(booking, { runs: 3, seed: 1 });
    expect(report.failures.map((failure) => [failure.kind, failure.message])).toEqual([
      [
        "ungenerable",
        'event "meeting.booked": slot.at: a transform (.transform) cannot be generated: what it accepts is not in its schema; ' +
          'give an arbitrary by hand in the chart\'s simulation: arbitraries: { "meeting.booked": { "slot.at": fc.… } }',
      ],
    ]);
  });

  it("takes one by schema path, one for the whole payload, and one made from the chart's context", async () => {
    const at = fc.constantFrom("2026-12-07T10:00:00Z", "2026-12-08T09:30:00Z");
    // Seats are still drawn from the schema: a run may run out of turns before it draws 4, never fails otherwise.
    const byPath = await exploreChart(booking, { runs: 10, seed: 1, shrink: false, arbitraries: { "meeting.booked": { "slot.at": at } } });
    expect(byPath.failures.filter((failure) => failure.kind !== "budget")).toEqual([]);
    expect(byPath.outcomes["done"]).toBeGreaterThan(0);

    const whole = await exploreChart(
      { ...booking, simulation: { arbitraries: { "meeting.booked": fc.record({ slot: fc.record({ at }), seats: fc.constant(4) }) } } },
      { runs: 10, seed: 1 },
    );
    expect(whole.failures).toEqual([]);
    expect(whole.outcomes).toEqual({ done: 10 });

    // Made from the context: always the room's size, so every run books at its first turn.
    const fromContext = await exploreChart(booking, {
      runs: 10,
      seed: 1,
      illegalWeight: 0,
      arbitraries: { "meeting.booked": ({ context }) => fc.record({ slot: fc.record({ at }), seats: fc.constant((context as { seats: number }).seats) }) },
      onRun: (result) => expect(result.decisions).toHaveLength(1),
    });
    expect(fromContext.outcomes).toEqual({ done: 10 });
  });
});
