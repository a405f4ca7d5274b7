import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Full request / response / tool-result payloads. Rows carry only `ref` (a path relative to the
 * session directory) and a short snippet, so the transcript stays small and fast to replay.
 */
export class IoStore {
  readonly #dir: string;
  #made = false;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** `name` must be unique within the session (callers derive it from invoke id, turn and kind). */
  put(name: string, payload: unknown): string {
    const file = `${name}.json`;
    if (!this.#made) {
      mkdirSync(this.#dir, { recursive: true });
      this.#made = true;
    }
    // Compact JSON: blobs are read by tools (the pager, `show --content`), not by eye.
    writeFileSync(join(this.#dir, file), typeof payload === "string" ? payload : JSON.stringify(payload));
    return `io/${file}`;
  }
}
