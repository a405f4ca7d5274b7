/** Waiting in tests on what another process does: a condition polled, a stream gathered. */

/** Resolves once `check` holds, checking every `everyMs`; rejects with `what()` after the deadline. */
export async function until(check: () => boolean | Promise<boolean>, what: () => string, deadlineMs: number, everyMs = 100): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((done) => setTimeout(done, everyMs));
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
