import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { appendNamed } from "./append-named.js";
import { join } from "node:path";
import { parseRef, rangeRef } from "@escapement/wire-schema/runtime";
import { SecretScrubber } from "./secret-scrubber.js";
import { IO_PACK } from "./session-dir.js";
import { leaveToDurable, type Durable } from "./durable.js";

/**
 * Where the pack's lines go (a session store's io). `size` is the pack's length in bytes (refs are
 * byte ranges of it); `append` acknowledges the line as `TranscriptSink` does (a store keeps its
 * writes in order, so the rows naming a blob are durable only after it). A path is a session
 * directory, whose io.jsonl is appended to.
 */
export interface IoSink {
  size(): number;
  append(text: string): Durable;
}

const packFile = (path: string): IoSink => ({
  size: () => statSync(path, { throwIfNoEntry: false })?.size ?? 0,
  append: (text) => appendNamed(path, text),
});

/**
 * Full request / response / tool-result payloads, packed into one append-only file per session:
 * a line `{"name":...,"payload":...}` per blob. Rows carry only `ref` (the payload's byte range in
 * the pack, see `parseRef`) and a short snippet, so the transcript stays small and fast to replay,
 * and a session writes one io file however many turns it takes. With a scrubber, no blob holds a
 * secret (see `SecretScrubber.scrubJsonText`).
 */
export class IoStore {
  readonly #sink: IoSink;
  /** The pack's length in bytes; read from the sink on first use (a resumed run appends to its pack). */
  #size: number | undefined;
  readonly #scrubber: SecretScrubber;

  constructor(target: string | IoSink, scrubber: SecretScrubber = SecretScrubber.none) {
    this.#sink = typeof target === "string" ? packFile(join(target, IO_PACK)) : target;
    this.#scrubber = scrubber;
  }

  /** The pack's length in bytes now: what a checkpoint notes as `ioSize` (kept here, so no stat per checkpoint). */
  size(): number {
    return (this.#size ??= this.#sink.size());
  }

  /** Appends one payload and returns its ref. `name` says what it is (callers derive it from invoke id, turn and kind). */
  put(name: string, payload: unknown): string {
    // Compact JSON: blobs are read by tools (the pager, `show --content`), not by eye.
    return this.putJson(name, JSON.stringify(payload) ?? "null");
  }

  /** `put` for a payload already serialized (compact JSON). */
  putJson(name: string, json: string): string {
    const body = this.#scrubber.scrubJsonText(json);
    this.#size ??= this.#sink.size();
    const head = `{"name":${JSON.stringify(this.#scrubber.scrub(name))},"payload":`;
    const headBytes = Buffer.byteLength(head);
    const bodyBytes = Buffer.byteLength(body);
    leaveToDurable(this.#sink.append(`${head}${body}}\n`));
    const offset = this.#size + headBytes;
    this.#size += headBytes + bodyBytes + 2;
    return rangeRef(IO_PACK, offset, bodyBytes);
  }
}

/**
 * The text a ref names inside a session directory: a whole file, or its byte range. Undefined when
 * the file is missing; a range past the end of the file yields what is there.
 */
export function readBlob(sessionDir: string, ref: string): string | undefined {
  const { path, range } = parseRef(ref);
  const file = join(sessionDir, path);
  if (!existsSync(file)) return undefined;
  const fd = openSync(file, "r");
  try {
    const length = range ? range.length : statSync(file).size;
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, (range?.offset ?? 0) + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
