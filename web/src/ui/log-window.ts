/**
 * Which of the log's rows the page draws. Thousands of rows in the document make every frame's
 * style and layout slow while conversations stream, so a long log draws only the rows near the
 * view (and spacers of the same height for the rest); a short one draws them all. The window's
 * edges move in whole chunks, so scrolling a little or a new row adds and drops few elements.
 */

/** Up to this many rows, all are drawn. */
export const DRAW_ALL_UP_TO = 500;
/** Rows drawn beyond each edge of the view. */
const OVERSCAN = 150;
const CHUNK = 50;

export interface LogWindow {
  /** First row drawn. */
  readonly start: number;
  /** One past the last row drawn. */
  readonly end: number;
}

export interface LogViewport {
  readonly count: number;
  readonly scrollTop: number;
  readonly heightPx: number;
  readonly rowPx: number;
  /** The log follows its end: the view is the last rows, wherever the scroll position was. */
  readonly following: boolean;
}

export const logWindow = (v: LogViewport): LogWindow => {
  if (v.count <= DRAW_ALL_UP_TO || v.rowPx <= 0) return { start: 0, end: v.count };
  const visible = Math.ceil(v.heightPx / v.rowPx);
  const first = v.following ? Math.max(0, v.count - visible) : Math.floor(v.scrollTop / v.rowPx);
  const start = Math.max(0, Math.floor((first - OVERSCAN) / CHUNK) * CHUNK);
  const end = Math.min(v.count, Math.ceil((first + visible + OVERSCAN) / CHUNK) * CHUNK);
  return { start: Math.min(start, end), end };
};
