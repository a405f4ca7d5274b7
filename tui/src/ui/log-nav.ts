/** Moving the LOG pane's cursor and view (pure; see log-cursor.ts for the absolute indexes). */
import { firstIndex, lastIndex, stepIndex, type BoundedLog, type Lane, type LogRow } from "../domain/index.ts";
import type { Intent } from "./key-map.ts";
import type { LogView } from "./log-pane.tsx";

type NavIntent = Extract<Intent, { kind: "move" | "page" | "edge" }>;

/**
 * The view with `cursor` in sight: the bottom moves only as far as needed, and never so close to
 * the oldest row that the page would not be full.
 */
const reveal = (log: BoundedLog<LogRow>, cursor: number, bottom: number, rows: number, lanes?: ReadonlySet<Lane>): LogView => {
  const first = firstIndex(log, lanes) ?? bottom;
  const lowest = stepIndex(log, first, rows - 1, lanes) ?? first;
  const atLeast = Math.max(bottom, lowest);
  const top = stepIndex(log, atLeast, -(rows - 1), lanes) ?? atLeast;
  if (cursor > atLeast) return { cursor, bottom: cursor };
  if (cursor < top) return { cursor, bottom: stepIndex(log, cursor, rows - 1, lanes) ?? cursor };
  return { cursor, bottom: atLeast };
};

/**
 * The LOG view after a key. The first move places the cursor on the newest row and stops
 * following (so arriving rows no longer shift what is shown); the last-row key follows again.
 */
export const logNav = (log: BoundedLog<LogRow>, view: LogView, intent: NavIntent, rows: number, lanes?: ReadonlySet<Lane>): LogView => {
  const last = lastIndex(log, lanes);
  if (last === undefined) return {};
  if (intent.kind === "edge") {
    if (intent.to === "last") return {};
    const first = firstIndex(log, lanes) ?? last;
    return reveal(log, first, view.bottom ?? last, rows, lanes);
  }
  const bottom = view.bottom ?? last;
  if (view.cursor === undefined) {
    if (intent.kind === "move") return { cursor: last, bottom: last };
  }
  const from = view.cursor ?? last;
  const by = intent.kind === "move" ? intent.by : intent.by * Math.max(1, rows - 1);
  const cursor = stepIndex(log, from, by, lanes) ?? from;
  // A page moves the view with the cursor, so the page turns rather than creeps.
  const nextBottom = intent.kind === "page" ? (stepIndex(log, bottom, by, lanes) ?? bottom) : bottom;
  return reveal(log, cursor, nextBottom, rows, lanes);
};
