/**
 * Fan-out of one run's public events to async iterators. Each `iterate()` sees the events pushed
 * after it was called, in order, then ends when the channel ends (or throws the error it ended
 * with). Pushing never waits: a consumer slower than the run buffers in its own queue, and one
 * that stops iterating (`break`) is dropped at once.
 */
export class EventChannel<T> {
  readonly #subscribers = new Set<Subscriber<T>>();
  #ended: { error?: unknown } | undefined;

  push(value: T): void {
    for (const subscriber of this.#subscribers) subscriber.push(value);
  }

  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = error === undefined ? {} : { error };
    for (const subscriber of this.#subscribers) subscriber.end(this.#ended);
    this.#subscribers.clear();
  }

  iterate(): AsyncIterableIterator<T> {
    const subscriber = new Subscriber<T>(() => this.#subscribers.delete(subscriber));
    if (this.#ended) subscriber.end(this.#ended);
    else this.#subscribers.add(subscriber);
    return subscriber;
  }
}

class Subscriber<T> implements AsyncIterableIterator<T> {
  readonly #queue: T[] = [];
  #waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;
  #ended: { error?: unknown } | undefined;
  #done = false;

  constructor(private readonly unsubscribe: () => void) {}

  push(value: T): void {
    if (this.#done) return;
    if (this.#waiting) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting.resolve({ value, done: false });
    } else {
      this.#queue.push(value);
    }
  }

  end(ended: { error?: unknown }): void {
    this.#ended = ended;
    if (this.#waiting && this.#queue.length === 0) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      this.#settle(waiting);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#queue.length > 0) return Promise.resolve({ value: this.#queue.shift() as T, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    if (this.#ended) return new Promise((resolve, reject) => this.#settle({ resolve, reject }));
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.#done = true;
    this.#queue.length = 0;
    this.unsubscribe();
    if (this.#waiting) {
      this.#waiting.resolve({ value: undefined, done: true });
      this.#waiting = undefined;
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  /** Ends the iteration: the channel's error once, then done. */
  #settle(waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }): void {
    const error = this.#ended?.error;
    this.#done = true;
    if (error !== undefined) waiting.reject(error);
    else waiting.resolve({ value: undefined, done: true });
  }
}
