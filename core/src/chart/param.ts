import type { AnyActorRef, EventObject } from "xstate";

export interface ParamArgs<TContext> {
  context: TContext;
  event: EventObject;
  /** The chart's actor; present when resolved by xstate (invoke input). */
  self?: AnyActorRef;
}

/** Every conversation param is a literal or a function of the chart context. */
export type Param<T, TContext = any> = T | ((args: ParamArgs<TContext>) => T);

export function resolveParam<T, TContext>(param: Param<T, TContext> | undefined, args: ParamArgs<TContext>): T | undefined {
  return typeof param === "function" ? (param as (args: ParamArgs<TContext>) => T)(args) : param;
}
