/**
 * A host's xstate inspector beside the runner's own inspection: a function, an observer
 * `{ next }`, or an object carrying either as `inspect` (what `@statelyai/inspect`'s
 * `createWebSocketInspector()` / `createBrowserInspector()` return). It sees every inspection
 * event of the chart's actor system: `@xstate.actor`, `@xstate.event`, `@xstate.snapshot`,
 * `@xstate.action`, `@xstate.microstep`.
 */
import type { InspectionEvent } from "xstate";

/** What xstate's `createActor(machine, { inspect })` takes. */
export type InspectionObserver = ((event: InspectionEvent) => void) | { next?: (event: InspectionEvent) => void };

/** A function or observer, or an inspector object with one as `inspect`. */
export type HostInspector = InspectionObserver | { inspect: InspectionObserver };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

const isObserver = (value: unknown): value is InspectionObserver => typeof value === "function" || (isObject(value) && typeof value.next === "function");

/** Why `value` is no inspector, or undefined. */
export const inspectorProblem = (value: unknown): string | undefined =>
  isObserver(value) || (isObject(value) && isObserver(value.inspect))
    ? undefined
    : "expected an xstate inspector: a function (event) => void, an observer { next }, or an object with one as `inspect` (e.g. createWebSocketInspector())";

/**
 * `inspector` as one function that never throws: a throw (or an inspector that cannot take the
 * event) is reported to `warn` once, with its message, and the run goes on; later throws are not
 * reported again, so a broken inspector cannot flood the log with one line per event.
 */
export function guardInspector(inspector: HostInspector, warn: (message: string) => void): (event: InspectionEvent) => void {
  const observer: InspectionObserver = isObject(inspector) && "inspect" in inspector ? inspector.inspect : inspector;
  let warned = false;
  return (event) => {
    try {
      if (typeof observer === "function") observer(event);
      else observer.next?.(event);
    } catch (error) {
      if (warned) return;
      warned = true;
      warn(`the inspector threw on ${event.type}: ${(error as Error)?.message ?? String(error)}; the run goes on (further throws are not logged)`);
    }
  };
}
