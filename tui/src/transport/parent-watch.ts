/**
 * The core that spawned this process passes its pid (`--parent-pid`); when that process is gone
 * (it crashed, was killed, or exited without stopping its UI) there is nobody to show, and the
 * UI ends instead of lingering as an orphan.
 */
import type { Timers } from "./timers.ts";

/** How often the parent is looked for. */
export const PARENT_CHECK_MS = 500;

/** Whether process `pid` exists: signal 0 checks without sending anything (EPERM: it exists, as someone else's). */
export const processAlive = (pid: number, kill: (pid: number, signal: 0) => unknown = (p, s) => process.kill(p, s)): boolean => {
  try {
    kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException | undefined)?.code === "EPERM";
  }
};

export interface ParentWatchOptions {
  readonly pid: number;
  readonly onGone: () => void;
  readonly timers: Timers;
  readonly alive?: (pid: number) => boolean;
  readonly intervalMs?: number;
}

/** Checks on a timer; calls `onGone` once, when the parent is gone. Returns a function that stops the watch. */
export const watchParent = (options: ParentWatchOptions): (() => void) => {
  const alive = options.alive ?? ((pid: number) => processAlive(pid));
  let stop: (() => void) | undefined;
  const check = () => {
    if (alive(options.pid)) return;
    stop?.();
    stop = undefined;
    options.onGone();
  };
  stop = options.timers.every(options.intervalMs ?? PARENT_CHECK_MS, check);
  return () => {
    stop?.();
    stop = undefined;
  };
};
