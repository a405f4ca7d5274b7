/**
 * The order in which one model step's tool calls run. Parallel-safe calls run together, at most
 * `maxParallel` at a time; a serial call runs alone (every call before it has finished, every call
 * after it waits), so side effects happen in the model's order. Identical parallel-safe calls (the
 * same key) between two serial calls run once and share the result: a serial call in between may
 * change what a read sees, so it starts a fresh set. Results come back in call order.
 */
export interface DispatchCall<T> {
  /** Same key, same call: the tool's name and its canonical arguments. */
  key: string;
  parallel: boolean;
  run(): Promise<T>;
}

/** Each call's result in call order, and for a call that shared another's run, that call's index. */
export interface Dispatched<T> {
  results: T[];
  sharedWith: (number | undefined)[];
}

export async function dispatchCalls<T>(calls: readonly DispatchCall<T>[], maxParallel: number): Promise<Dispatched<T>> {
  const limit = Math.max(1, Math.floor(maxParallel));
  const running: Promise<T>[] = [];
  const sharedWith: (number | undefined)[] = [];
  const active = new Set<Promise<void>>();
  let byKey = new Map<string, number>();
  for (const [index, call] of calls.entries()) {
    if (!call.parallel) {
      await Promise.all(active);
      byKey = new Map();
      const run = call.run();
      running.push(run);
      sharedWith.push(undefined);
      await settled(run);
      continue;
    }
    const first = byKey.get(call.key);
    if (first !== undefined) {
      running.push(running[first]!);
      sharedWith.push(first);
      continue;
    }
    while (active.size >= limit) await Promise.race(active);
    const run = call.run();
    running.push(run);
    sharedWith.push(undefined);
    byKey.set(call.key, index);
    const tracked: Promise<void> = settled(run).then(() => {
      active.delete(tracked);
    });
    active.add(tracked);
  }
  return { results: await Promise.all(running), sharedWith };
}

const settled = (promise: Promise<unknown>): Promise<void> =>
  promise.then(
    () => undefined,
    () => undefined,
  );
