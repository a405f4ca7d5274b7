import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Full request / response / tool-result payloads. Rows carry only `ref` (a path relative to the
 * session directory) and a short snippet, so the transcript stays small and fast to replay.
 */
export class IoStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** `name` must be unique within the session (callers derive it from invoke id, turn and kind). */
  put(name: string, payload: unknown): string {
    const file = `${name}.json`;
    writeFileSync(join(this.#dir, file), typeof payload === "string" ? payload : JSON.stringify(payload, null, 2));
    return `io/${file}`;
  }
}
