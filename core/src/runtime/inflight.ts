/** Work the runner counts as progress (a model call, a tool, an open prompt): what actors report through `RunServices.inflight`. */
export interface InflightTracker {
  begin(what: string): () => void;
}

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
