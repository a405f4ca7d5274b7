import type { AnyActorRef } from "xstate";

/**
 * Which actor logics are conversations (`converse` in core/src/chart registers its own), so the
 * engine can find a run's conversations by id (steering) without importing the chart layer.
 */
const conversationLogics = new WeakSet<object>();

/** @internal */
export const markConversationLogic = <T extends object>(logic: T): T => {
  conversationLogics.add(logic);
  return logic;
};

/** @internal Whether `ref` runs a conversation. */
export const isConversationActor = (ref: AnyActorRef): boolean => {
  const logic = (ref as { logic?: unknown }).logic;
  return typeof logic === "object" && logic !== null && conversationLogics.has(logic);
};
