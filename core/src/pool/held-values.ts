/** Values kept only while jobs use them, counted per key: the scripts a pool thread holds (see `PoolRequest`). */
export class HeldValues<Key, Value> {
  readonly #entries = new Map<Key, { value: Value; uses: number }>();

  /** Holds `key` for one more job; `make` gives its value when nothing holds it yet (`fresh`). */
  hold(key: Key, make: () => Value): { value: Value; fresh: boolean } {
    const entry = this.#entries.get(key);
    if (entry) {
      entry.uses++;
      return { value: entry.value, fresh: false };
    }
    const value = make();
    this.#entries.set(key, { value, uses: 1 });
    return { value, fresh: true };
  }

  /** A job of `key` ended; returns the value when that was the last one (it is dropped). */
  release(key: Key): Value | undefined {
    const entry = this.#entries.get(key);
    if (!entry || --entry.uses > 0) return undefined;
    this.#entries.delete(key);
    return entry.value;
  }
}
