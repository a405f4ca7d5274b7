import type { RecordedSteer } from "../llm/protocol.js";

/**
 * The steering messages of a recording, due again at the steps that got them: a conversation
 * takes those of its step before building it. A conversation id reused (a state entered again)
 * numbers its steps from 1 again: messages of one step are taken in recorded order, each once.
 *
 * @internal
 */
export class ReplaySteers {
  readonly #due = new Map<string, RecordedSteer[]>();

  constructor(steers: readonly RecordedSteer[]) {
    for (const steer of steers) {
      const key = keyOf(steer.origin.invokeId, steer.origin.turn);
      const queue = this.#due.get(key);
      if (queue) queue.push(steer);
      else this.#due.set(key, [steer]);
    }
  }

  /** The messages due before step `turn` of `invokeId`'s conversation (none twice). */
  take(invokeId: string, turn: number): RecordedSteer[] {
    const key = keyOf(invokeId, turn);
    const due = this.#due.get(key) ?? [];
    this.#due.delete(key);
    return due;
  }
}

const keyOf = (invokeId: string, turn: number): string => `${invokeId}\u0000${turn}`;
