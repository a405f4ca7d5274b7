/**
 * One checkpoint for every call of a step that asks in the same tick: the calls a step starts
 * together append their `tool/started` rows, then share the checkpoint that keeps them all, and
 * none runs before it is taken. A caller acts on its rows only after the returned promise settles.
 */
export function coalescedCheckpoint(checkpointNow: () => void): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= Promise.resolve().then(() => {
      pending = undefined;
      checkpointNow();
    });
    return pending;
  };
}
