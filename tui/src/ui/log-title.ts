/**
 * The LOG pane's title: rows held (or the cursor's place among them, "12/340"), the lane filter,
 * and how many rows are below the view.
 */
import { countRows, type BoundedLog, type Lane, type LogRow } from "../domain/index.ts";

export interface LogPlace {
  /** The cursor's row, 1-based among the rows shown; none while following the newest. */
  readonly at?: number;
  /** Rows of the shown lanes held. */
  readonly of: number;
  /** Rows of the shown lanes below the view. */
  readonly below: number;
}

export const logPlace = (log: BoundedLog<LogRow>, view: { readonly cursor?: number; readonly bottom?: number }, lanes?: ReadonlySet<Lane>): LogPlace => {
  const of = countRows(log, lanes);
  const below = view.bottom === undefined ? 0 : Math.max(0, of - countRows(log, lanes, view.bottom + 1));
  if (view.cursor === undefined) return { of, below };
  return { at: countRows(log, lanes, view.cursor + 1), of, below };
};

/** Longest text filter the title repeats; a longer one ends in "…". */
const FILTER_SHOWN = 20;

/**
 * "LOG 340", or with a cursor "LOG 12/340", then "[llm]" for a lane filter, "/caravan" for a text
 * filter (`/`) and "↑5" for rows below the view.
 */
export const logPaneTitle = (place: LogPlace, lanes: ReadonlySet<Lane> | undefined, text?: string): string => {
  const count = place.at === undefined ? `${place.of}` : `${place.at}/${place.of}`;
  const filter = lanes ? ` [${[...lanes].join(",")}]` : "";
  const chars = text === undefined ? [] : [...text];
  const search = text === undefined ? "" : ` /${chars.length > FILTER_SHOWN ? `${chars.slice(0, FILTER_SHOWN - 1).join("")}…` : text}`;
  const scrolled = place.below > 0 ? ` ↑${place.below}` : "";
  return `LOG ${count}${filter}${search}${scrolled}`;
};

/** The title for a log and view: what the LOG pane shows. */
export const logTitleOf = (
  log: BoundedLog<LogRow>,
  view: { readonly cursor?: number; readonly bottom?: number },
  lanes?: ReadonlySet<Lane>,
  text?: string,
): string => logPaneTitle(logPlace(log, view, lanes), lanes, text);
