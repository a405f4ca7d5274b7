import { assign, setup } from "xstate";
import { z } from "zod";
import {
  captureArtifact,
  converse,
  defineChart,
  defineEvents,
  inlineActors,
  spawnChildren,
  tellLlm,
  type EndTurnEvent,
  type EventsOf,
  type FleetChildResult,
} from "@escapement/core";

/**
 * A haiku tournament. A director conversation decides how many poets and judges to use; the
 * poets run as child sessions (each its own chart, conversation and session directory), then the
 * judges do, each scoring every haiku; the chart totals the scores, an announcer conversation
 * announces the winner, and the result is captured as the artifact `winner.md`.
 */

const STYLES = ["minimalist", "romantic", "modernist", "playful", "melancholic", "classical", "surreal", "stoic"];

export interface Haiku {
  poet: number;
  style: string;
  title: string;
  lines: string[];
}

export interface Scorecard {
  judge: number;
  scores: { poet: number; score: number; note?: string }[];
}

// ---------------------------------------------------------------------------------------------
// A poet: one child session per poet. State path "composing" (scripts key its replies by it).

const poetEvents = defineEvents({
  "haiku.written": {
    schema: z.object({ title: z.string().min(1), lines: z.array(z.string().min(1)).length(3) }),
    description: "submit your haiku: a title and exactly three lines",
  },
});

const poetMachine = setup({
  actors: inlineActors,
  types: {
    context: {} as { theme: string; poet: number; style: string; title?: string; lines?: string[] },
    input: {} as { theme: string; poet: number; style: string },
    events: {} as EventsOf<typeof poetEvents>,
  },
}).createMachine({
  id: "poet",
  context: ({ input }) => ({ ...input }),
  initial: "composing",
  states: {
    composing: {
      invoke: converse({
        id: "poet",
        system: ({ context }) => `You are poet ${context.poet}, a ${context.style} haiku poet. You write in English, three lines, 5-7-5 syllables.`,
        message: ({ context }) =>
          `The theme is "${context.theme}". Write one haiku and submit it, with a short title, using ${poetEvents["haiku.written"].toolName}.`,
        realTools: [],
        allowedEvents: poetEvents,
      }),
      on: {
        "haiku.written": {
          target: "done",
          actions: assign({ title: ({ event }) => event.title, lines: ({ event }) => event.lines }),
        },
      },
    },
    done: { type: "final" },
  },
  output: ({ context }): Haiku => ({ poet: context.poet, style: context.style, title: context.title ?? "", lines: context.lines ?? [] }),
});

export const poetChart = defineChart({ id: "poet", machine: poetMachine, description: "One poet writes one haiku." });

// ---------------------------------------------------------------------------------------------
// A judge: one child session per judge, scoring every haiku. State path "scoring".

const scoresSchema = z.object({
  scores: z.array(z.object({ poet: z.number().int(), score: z.number().int().min(1).max(10), note: z.string().optional() })).min(1),
});

const judgeEvents = defineEvents({ "scores.given": { schema: scoresSchema, description: "one score per poet, 1 to 10, with an optional one-line note" } });

const coversEveryPoet = (haikus: Haiku[], scores: Scorecard["scores"]): boolean =>
  scores.length === haikus.length && haikus.every((haiku) => scores.filter((s) => s.poet === haiku.poet).length === 1);

const judgeMachine = setup({
  actors: inlineActors,
  types: {
    context: {} as { judge: number; theme: string; haikus: Haiku[]; scores?: Scorecard["scores"] },
    input: {} as { judge: number; theme: string; haikus: Haiku[] },
    events: {} as EventsOf<typeof judgeEvents>,
  },
}).createMachine({
  id: "judge",
  context: ({ input }) => ({ ...input }),
  initial: "scoring",
  states: {
    scoring: {
      invoke: converse({
        id: "judge",
        system: ({ context }) => `You are judge ${context.judge} of a haiku tournament on "${context.theme}". You are fair, exacting and brief.`,
        message: ({ context }) =>
          [
            `Score every haiku from 1 to 10 and submit all scores at once with ${judgeEvents["scores.given"].toolName}.`,
            ...context.haikus.map((h) => `\nPoet ${h.poet} (${h.style}) — "${h.title}"\n${h.lines.join("\n")}`),
          ].join("\n"),
        realTools: [],
        allowedEvents: judgeEvents,
      }),
      on: {
        "scores.given": [
          {
            guard: ({ context, event }) => coversEveryPoet(context.haikus, event.scores),
            target: "done",
            actions: assign({ scores: ({ event }) => event.scores }),
          },
          // Valid JSON but not one score per poet: the judge is told, and tries again.
          {
            actions: tellLlm("judge", ({ context }) => `Give exactly one score to each of poets ${context.haikus.map((h) => h.poet).join(", ")}.`),
          },
        ],
      },
    },
    done: { type: "final" },
  },
  output: ({ context }): Scorecard => ({ judge: context.judge, scores: context.scores ?? [] }),
});

export const judgeChart = defineChart({
  id: "judge",
  machine: judgeMachine,
  description: "One judge scores every haiku.",
  // For `escapement sim`: a random scorecard almost never scores each poet exactly once, so the
  // simulated judge would be told to try again up to its turn limit. This one always does (one
  // score per haiku of the judge's context); the guard's other branch is still explored, since
  // the simulator sends a refused event now and then.
  simulation: {
    arbitraries: {
      "scores.given": ({ context, fc }) =>
        fc.record({
          scores: fc.tuple(...context.haikus.map((haiku: Haiku) => fc.record({ poet: fc.constant(haiku.poet), score: fc.integer({ min: 1, max: 10 }) }))),
        }),
    },
  },
});

// ---------------------------------------------------------------------------------------------
// The tournament.

export interface Standing {
  poet: number;
  style: string;
  title: string;
  total: number;
}

/** Totals per poet, best first; a tie goes to the lower poet number. */
export function standings(haikus: Haiku[], cards: Scorecard[]): Standing[] {
  return haikus
    .map((h) => ({
      poet: h.poet,
      style: h.style,
      title: h.title,
      total: cards.reduce((sum, card) => sum + (card.scores.find((s) => s.poet === h.poet)?.score ?? 0), 0),
    }))
    .sort((a, b) => b.total - a.total || a.poet - b.poet);
}

interface Context {
  theme: string;
  plan?: { theme: string; poets: number; judges: number };
  haikus: Haiku[];
  /** Child sessions that did not finish (a poet or judge that failed), with why. */
  missing: string[];
  cards: Scorecard[];
  table: Standing[];
}

const done = <T>(results: FleetChildResult[]): T[] => results.filter((r) => r.status === "done").map((r) => r.output as T);
const failed = (results: FleetChildResult[]): string[] =>
  results.filter((r) => r.status !== "done").map((r) => `${r.childSessionId} (${r.status}${r.error ? `: ${r.error.category}` : ""})`);

function winnerMarkdown(context: Context, announcement: string): string {
  const winner = context.table[0]!;
  const haiku = context.haikus.find((h) => h.poet === winner.poet)!;
  const judges = context.cards.map((card) => card.judge);
  const rows = context.table.map((s) => {
    const perJudge = context.cards.map((card) => String(card.scores.find((score) => score.poet === s.poet)?.score ?? "-"));
    return `| ${s.poet} | ${s.style} | ${s.title} | ${perJudge.join(" | ")} | ${s.total} |`;
  });
  return [
    `# Haiku tournament: ${context.plan?.theme ?? context.theme}`,
    "",
    `**Winner: poet ${winner.poet} (${winner.style})** with ${winner.total} points from ${judges.length} judge${judges.length === 1 ? "" : "s"}.`,
    "",
    `> **${haiku.title}**`,
    ">",
    ...haiku.lines.map((line) => `> ${line}`),
    "",
    `| poet | style | title | ${judges.map((j) => `judge ${j}`).join(" | ")} | total |`,
    `|---|---|---|${judges.map(() => "---|").join("")}---|`,
    ...rows,
    ...(context.missing.length > 0 ? ["", `Did not finish: ${context.missing.join(", ")}.`] : []),
    "",
    announcement.trim(),
    "",
  ].join("\n");
}

const directorEvents = defineEvents({
  "tournament.planned": {
    schema: z.object({ theme: z.string().min(1), poets: z.number().int().min(2).max(8), judges: z.number().int().min(1).max(5) }),
    description: "the theme, the number of poets and the number of judges",
  },
});

const machine = setup({
  actors: inlineActors,
  // The director's event, and the announcer's reply (`llm.idle`).
  types: { context: {} as Context, input: {} as { theme?: string } | undefined, events: {} as EventsOf<typeof directorEvents> | EndTurnEvent },
}).createMachine({
  id: "haiku-tournament",
  context: ({ input }) => ({ theme: input?.theme ?? "first snow", haikus: [], missing: [], cards: [], table: [] }),
  initial: "directing",
  states: {
    // The director decides the size of the tournament: the fleets below are sized at run time.
    directing: {
      invoke: converse({
        id: "director",
        system: "You direct haiku tournaments. You pick a crisp theme and a fair size: 2 to 6 poets, 1 to 3 judges.",
        message: ({ context }) =>
          `Plan a haiku tournament on a theme close to "${context.theme}". Announce the plan with ${directorEvents["tournament.planned"].toolName}.`,
        realTools: [],
        allowedEvents: directorEvents,
      }),
      on: {
        "tournament.planned": {
          target: "composing",
          actions: assign({ plan: ({ event }) => ({ theme: event.theme, poets: event.poets, judges: event.judges }) }),
        },
      },
    },
    // One child session per poet, four at a time.
    composing: {
      invoke: {
        ...spawnChildren({
          id: "poets",
          chart: poetChart,
          inputs: ({ context }) =>
            Array.from({ length: context.plan!.poets }, (_, index) => ({ theme: context.plan!.theme, poet: index + 1, style: STYLES[index % STYLES.length]! })),
          concurrency: 4,
        }),
        onDone: [
          {
            guard: ({ event }) => done<Haiku>(event.output as FleetChildResult[]).length > 0,
            target: "judging",
            actions: assign({
              haikus: ({ event }) => done<Haiku>(event.output as FleetChildResult[]),
              missing: ({ event }) => failed(event.output as FleetChildResult[]),
            }),
          },
          { target: "noEntries", actions: assign({ missing: ({ event }) => failed(event.output as FleetChildResult[]) }) },
        ],
      },
    },
    // One child session per judge; each scores every haiku.
    judging: {
      invoke: {
        ...spawnChildren({
          id: "judges",
          chart: judgeChart,
          inputs: ({ context }) =>
            Array.from({ length: context.plan!.judges }, (_, index) => ({ judge: index + 1, theme: context.plan!.theme, haikus: context.haikus })),
        }),
        onDone: [
          {
            guard: ({ event }) => done<Scorecard>(event.output as FleetChildResult[]).length > 0,
            target: "announcing",
            actions: assign({
              cards: ({ event }) => done<Scorecard>(event.output as FleetChildResult[]),
              missing: ({ context, event }) => [...context.missing, ...failed(event.output as FleetChildResult[])],
              table: ({ context, event }) => standings(context.haikus, done<Scorecard>(event.output as FleetChildResult[])),
            }),
          },
          { target: "noEntries", actions: assign({ missing: ({ context, event }) => [...context.missing, ...failed(event.output as FleetChildResult[])] }) },
        ],
      },
    },
    announcing: {
      invoke: converse({
        id: "announcer",
        system: "You announce the results of haiku tournaments: warm, brief, a little theatrical. One paragraph, no lists.",
        message: ({ context }) =>
          [
            `The tournament on "${context.plan!.theme}" is over. Final standings (total of ${context.cards.length} judges):`,
            ...context.table.map((s, rank) => `${rank + 1}. poet ${s.poet} (${s.style}), "${s.title}": ${s.total} points`),
            "Announce the winner.",
          ].join("\n"),
        realTools: [],
      }),
      on: {
        "llm.idle": { target: "done", actions: captureArtifact("winner.md", ({ context, event }) => winnerMarkdown(context, String(event.text ?? ""))) },
      },
    },
    done: { type: "final" },
    // Every poet (or every judge) failed: a planned outcome, the run still ends done.
    noEntries: { type: "final", entry: captureArtifact("winner.md", ({ context }) => `# No winner\n\nNo entries finished: ${context.missing.join(", ")}.\n`) },
  },
});

export default defineChart({
  id: "haiku-tournament",
  machine,
  description: "A director sizes a haiku tournament; poets and judges run as child sessions; an announcer names the winner.",
});
