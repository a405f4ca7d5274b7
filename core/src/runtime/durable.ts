/**
 * A store's acknowledgement of a write: nothing when the write is durable by the time the call
 * returns (the disk and memory stores), or a promise that settles once it is (a store over a
 * network, which acknowledges on a later turn of the event loop). Callers wait only for a promise,
 * so a synchronous store costs no extra tick anywhere.
 */
export type Durable = void | Promise<void>;

export const isPending = (ack: Durable): ack is Promise<void> => ack instanceof Promise;

/** `next()` once `first` is durable: at once when it already is. */
export function afterDurable(first: Durable, next: () => Durable): Durable {
  return isPending(first) ? first.then(next) : next();
}

/**
 * Leaves an acknowledgement to the writer's `durable()`: a store makes a writer's writes durable in
 * order, so a write that fails fails every later acknowledgement too, and whoever waits on them
 * (the transcript's next batch, an effect, the run's end) sees the failure. Marked handled here so
 * that it is reported there, once, and not as an unhandled rejection.
 */
export function leaveToDurable(ack: Durable): void {
  if (isPending(ack)) ack.catch(() => {});
}
