import type { AnyStateMachine } from "xstate";
import type { Tool } from "../tools/tool.js";
import type { ChartSimulation } from "./chart-simulation.js";

/** What a chart module exports (as default, or as `chart`). A bare exported `machine` also works. */
export interface ChartDefinition {
  id: string;
  machine: AnyStateMachine;
  description?: string;
  /** Extra real tools this chart registers beside the built-ins. */
  tools?: Tool[];
  /** Invariants, final-state expectations and hand-made payload generators for the simulator (`escapement sim`). */
  simulation?: ChartSimulation;
}

export const defineChart = (chart: ChartDefinition): ChartDefinition => chart;
