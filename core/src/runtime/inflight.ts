import type { InflightTracker } from "../chart/run-services.js";

/** Counts outstanding work (model calls, tools, prompts) so the wedge guard can tell waiting from stuck. */
export class Inflight implements InflightTracker {
  readonly #work = new Map<number, string>();
  #next = 0;

  begin(what: string): () => void {
    const id = this.#next++;
    this.#work.set(id, what);
    return () => this.#work.delete(id);
  }

  get count(): number {
    return this.#work.size;
  }

  describe(): string[] {
    return [...this.#work.values()];
  }
}
