/**
 * What the bench measures inside the page, installed before the page's own scripts: main-thread
 * long tasks (PerformanceObserver `longtask`, tasks over 50 ms) and frames (a requestAnimationFrame
 * loop), counted only inside the window `start()` opens. Plain JavaScript: it runs in the page.
 */
export const PROBE_SCRIPT = `(() => {
  const probe = { measuring: false, start: 0, frames: 0, lastFrame: 0, gaps: [], longTasks: [] };
  window.__benchProbe = probe;
  new PerformanceObserver((list) => {
    if (!probe.measuring) return;
    for (const entry of list.getEntries()) probe.longTasks.push({ at: entry.startTime - probe.start, ms: entry.duration });
  }).observe({ type: "longtask" });
  const frame = (t) => {
    if (probe.measuring) {
      probe.frames += 1;
      if (probe.lastFrame > 0) probe.gaps.push(t - probe.lastFrame);
      probe.lastFrame = t;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();`;

/** Opens the measuring window (expression for page.evaluate). */
export const START_WINDOW = `(() => {
  const probe = window.__benchProbe;
  Object.assign(probe, { measuring: true, start: performance.now(), frames: 0, lastFrame: 0, gaps: [], longTasks: [] });
})()`;

export interface WindowResult {
  readonly ms: number;
  readonly frames: number;
  /** Milliseconds between consecutive frames, in order. */
  readonly gaps: readonly number[];
  readonly longTasks: readonly { readonly at: number; readonly ms: number }[];
}

/** Closes the window and returns what it saw (expression for page.evaluate). */
export const END_WINDOW = `(() => {
  const probe = window.__benchProbe;
  probe.measuring = false;
  return { ms: performance.now() - probe.start, frames: probe.frames, gaps: probe.gaps, longTasks: probe.longTasks };
})()`;

/** Characters the page shows in its conversations' streamed text, and how many conversations it shows. */
export const SHOWN = `(() => {
  const streamed = [...document.querySelectorAll('[data-testid="streamed"]')];
  return { conversations: document.querySelectorAll('[data-testid="conversation"]').length, chars: streamed.reduce((n, el) => n + el.textContent.length, 0), logRows: document.querySelectorAll('[data-testid="log-row"]').length };
})()`;

export interface Shown {
  readonly conversations: number;
  readonly chars: number;
  readonly logRows: number;
}
