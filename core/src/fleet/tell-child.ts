import { sendTo, type EventObject } from "xstate";
import type { ChartAction } from "../chart/actions.js";
import type { ChildTarget } from "./fleet-state.js";

type Resolver<T, TContext> = T | ((args: { context: TContext; event: any }) => T);
const resolve = <T, TContext>(value: Resolver<T, TContext>, args: { context: TContext; event: any }): T =>
  typeof value === "function" ? (value as (args: { context: TContext; event: any }) => T)(args) : value;

/**
 * Sends an event into a fleet child's root actor (a chart action). `target`: the child's index in
 * `inputs` (0-based), its child session id, or `"*"` for every child. A child that has not started
 * yet gets the event when it starts; one that has ended does not get it (a warning is logged). A
 * target that names no child ends the run (category `unknown-child`).
 */
export function tellChild<TContext>(
  fleetId: string,
  target: Resolver<ChildTarget, TContext>,
  event: Resolver<{ type: string; [key: string]: unknown }, TContext>,
): ChartAction<TContext> {
  const action = sendTo(fleetId, ({ context, event: cause }: { context: any; event: EventObject }) => ({
    type: "escapement.fleet-tell" as const,
    target: resolve(target, { context, event: cause }),
    event: resolve(event, { context, event: cause }),
  }));
  // xstate's own sendTo at runtime; only its type is widened to fit any chart (as tellLlm does).
  return action;
}
