import type { Durable } from "../runtime/durable.js";

/**
 * One checkpoint for every call of a step that asks in the same tick: the calls a step starts
 * together append their `tool/started` rows, then share the checkpoint that keeps them all, and
 * none runs before it is taken (and durable). A caller acts on its rows only after the returned promise settles.
 */
export function coalescedCheckpoint(checkpointNow: () => Durable): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= Promise.resolve().then(() => {
      pending = undefined;
      // A store that acknowledges later: the calls wait until the checkpoint is durable too.
      return checkpointNow();
    });
    return pending;
  };
}
