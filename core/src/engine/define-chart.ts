import type { AnyStateMachine } from "xstate";
import type { Tool } from "../tools/tool.js";

/** What a chart module exports (as default, or as `chart`). A bare exported `machine` also works. */
export interface ChartDefinition {
  id: string;
  machine: AnyStateMachine;
  description?: string;
  /** Extra real tools this chart registers beside the built-ins. */
  tools?: Tool[];
}

export const defineChart = (chart: ChartDefinition): ChartDefinition => chart;
