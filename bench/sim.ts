/**
 * Simulator bench: `npm run bench:sim [-- --time 10 --concurrency 8]`.
 *
 * Simulated runs per second of `exploreChart` on the examples, each run an ordinary session (a
 * transcript, checkpoints and a cassette, fleet children's sessions with them, in a memory store
 * dropped after the run): `hello` (one conversation, one event; target >= 1,000 runs/s) and
 * `haiku-tournament` (a director, a fleet of poets and one of judges as child sessions, an
 * announcer; target >= 100 runs/s). Each chart warms up first (`--warmup` runs), then explores for
 * `--time` seconds; shrinking is off (the bench counts runs, not failures). The outcome column
 * says how the runs ended, the events column how many events the top chart processed, and the
 * next one how many choices (model turns and prompts, child sessions' included, redraws of
 * events the chart would refuse too) a run made.
 *
 * A judge of haiku-tournament takes a scorecard only when it scores every poet exactly once; the
 * example's judge chart declares a generator that does (`simulation.arbitraries`, see
 * docs/testing.md), so the bench explores the example as it ships.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { exploreChart, type ExploreOptions, type ExploreReport } from "../core/src/sim/index.js";
import hello from "../examples/hello/chart.js";
import haiku from "../examples/haiku-tournament/chart.js";
import { int, ratio, table, verdict } from "./runner/table.js";

const { values } = parseArgs({
  options: {
    time: { type: "string", default: "10" },
    warmup: { type: "string", default: "100" },
    concurrency: { type: "string", default: "8" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log("usage: npm run bench:sim -- [--time S (seconds per chart, default 10)] [--warmup N (runs first, default 100)] [--concurrency N (default 8)]");
  process.exit(0);
}
const timeMs = Number(values.time) * 1000;
const warmup = Number(values.warmup);
const concurrency = Number(values.concurrency);

const subjects: { name: string; chart: typeof hello; target: number; options?: ExploreOptions }[] = [
  { name: "hello", chart: hello, target: 1000 },
  { name: "haiku-tournament", chart: haiku, target: 100 },
];

const load = (): string => loadavg()[0]!.toFixed(2);

/** Events per run, as min / median / max over `report`'s runs. */
const spread = (counts: number[]): string => {
  const sorted = [...counts].sort((a, b) => a - b);
  return sorted.length === 0 ? "-" : `${sorted[0]} / ${sorted[sorted.length >> 1]} / ${sorted.at(-1)}`;
};

console.log(`simulated runs per second, ${values.time} s per chart, ${concurrency} at once; load average at start ${load()}`);
const rows: string[][] = [];
for (const subject of subjects) {
  const common = { seed: 1, shrink: false, concurrency, ...subject.options };
  await exploreChart(subject.chart, { ...common, runs: warmup });
  const events: number[] = [];
  const choices: number[] = [];
  const report: ExploreReport = await exploreChart(subject.chart, {
    ...common,
    seed: 1 + warmup,
    runs: Number.MAX_SAFE_INTEGER,
    timeMs,
    onRun: (result) => {
      events.push(result.events.length);
      choices.push(result.decisions.length);
    },
  });
  const perSecond = (report.runs / report.elapsedMs) * 1000;
  const outcomes = Object.entries(report.outcomes)
    .map(([outcome, count]) => `${count} ${outcome}`)
    .join(", ");
  rows.push([
    subject.name,
    load(),
    int(report.runs),
    int(perSecond),
    int(subject.target),
    ratio(perSecond / subject.target),
    verdict(perSecond >= subject.target),
    spread(events),
    spread(choices),
    outcomes,
  ]);
}
console.log(
  table(["chart", "load", "runs", "runs/s", "target", "of target", "", "events min/median/max", "model turns + prompts", "outcomes"], rows, [
    "l",
    "r",
    "r",
    "r",
    "r",
    "r",
    "l",
    "r",
    "r",
    "l",
  ]),
);
console.log(`load average at end ${load()}`);
