import type * as FastCheck from "fast-check";
import type { Arbitrary } from "fast-check";

/** What a property sees: the chart's context and active states after an event (or at the end). */
export interface ChartView<TContext = any> {
  context: TContext;
  /** Active state paths, parents before children ("review", "review.critic"). */
  states: string[];
  /** The chart's state value, as xstate gives it. */
  value: unknown;
  /** The event just processed (absent for the initial state). */
  event?: { type: string; [key: string]: unknown };
}

/**
 * A property of the chart: holds when it returns `true` (or nothing); `false`, a string (why) or a
 * throw is a violation.
 */
export type ChartProperty<TContext = any> = (view: ChartView<TContext>) => boolean | string | void;

/** A payload generator given by hand (see `ChartSimulation.arbitraries`). */
export type PayloadArbitrary<TContext = any> =
  Arbitrary<unknown> | Record<string, Arbitrary<unknown>> | ((view: ArbitraryView<TContext>) => Arbitrary<unknown>);

/**
 * What a payload generator given as a function sees: the chart's state when the model is asked, and
 * fast-check itself (`fc`), so a chart declares its generators without importing fast-check (a run
 * never loads it).
 */
export type ArbitraryView<TContext = any> = Omit<ChartView<TContext>, "event"> & { fc: typeof FastCheck };

/**
 * What `escapement sim` (and `exploreChart`) checks and how it generates payloads. Declared on the
 * chart (`defineChart({ ..., simulation })`); a run ignores it.
 */
export interface ChartSimulation<TContext = any> {
  /** Checked after every event the chart processes (and on its initial state), by name. */
  invariants?: Record<string, ChartProperty<TContext>>;
  /** Checked once when the run reaches a final state, by name. */
  final?: Record<string, ChartProperty<TContext>>;
  /**
   * Payload generators given by hand, by event name: a fast-check arbitrary for the whole payload,
   * or one per schema path (`"scores.*.note"`, `""` the payload) where the schema cannot be
   * generated (a refinement, a transform) or should be narrower; or a function of the chart's
   * state when the model is asked (`({ context, fc }) => fc.…`), for payloads only the context makes
   * valid (one score per poet of `context.haikus`).
   */
  arbitraries?: Record<string, PayloadArbitrary<TContext>>;
}
