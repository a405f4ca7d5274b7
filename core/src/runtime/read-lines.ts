/**
 * The one line reader for every line-oriented file the project reads: transcripts, cassettes,
 * checkpoint journals, session bundles, and the text files the fs tools show with line numbers.
 *
 * It exists because `node:readline` is not a JSONL reader: since Node 24 it also ends a line at
 * U+2028 and U+2029 (LINE / PARAGRAPH SEPARATOR), which `JSON.stringify` leaves unescaped inside
 * strings, so a row whose model text holds one is cut in two and lost. Here a line ends only at
 * "\n"; a "\r" right before it (a CRLF file) is dropped, and a lone "\r" is ordinary text. That is
 * also how editors and grep number the lines of a text file. A last line without "\n" is a line
 * unless empty.
 */
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

const CR = 13;

const withoutCr = (line: string): string => (line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line);

/**
 * Splits a stream of text chunks into lines, whatever the chunking. Only the new chunk is searched
 * for "\n", so a line longer than many chunks costs no more than its length.
 */
export class LineSplitter {
  /** The unfinished line carried over from earlier chunks. */
  #head = "";

  /** The lines this chunk completes. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let end = chunk.indexOf("\n");
    if (end === -1) {
      this.#head += chunk;
      return lines;
    }
    lines.push(withoutCr(this.#head + chunk.slice(0, end)));
    let start = end + 1;
    for (end = chunk.indexOf("\n", start); end !== -1; end = chunk.indexOf("\n", start)) {
      lines.push(withoutCr(chunk.slice(start, end)));
      start = end + 1;
    }
    this.#head = chunk.slice(start);
    return lines;
  }

  /** The last line when the text did not end with "\n" (and the splitter is reset). */
  end(): string | undefined {
    const rest = withoutCr(this.#head);
    this.#head = "";
    return rest.length > 0 ? rest : undefined;
  }
}

/** The lines of a whole text, as `readLines` would give them. */
export function splitLines(text: string): string[] {
  const splitter = new LineSplitter();
  const lines = splitter.push(text);
  const last = splitter.end();
  if (last !== undefined) lines.push(last);
  return lines;
}

/** A file path, or a stream of UTF-8 bytes or text (a `Readable`, `process.stdin`, ...). */
export type LineSource = string | AsyncIterable<string | Uint8Array>;

export interface ReadLinesOptions {
  /** Aborts reading a file path (the iteration then throws an AbortError). */
  signal?: AbortSignal;
}

/**
 * The lines of a file or stream in batches, one per chunk read (chunks that end no line give none).
 * Memory holds one chunk and the unfinished line. Leaving the loop early closes the file.
 */
export async function* readLineBatches(source: LineSource, options: ReadLinesOptions = {}): AsyncGenerator<string[]> {
  const input = typeof source === "string" ? createReadStream(source, { highWaterMark: 1 << 16, signal: options.signal }) : source;
  const decoder = new StringDecoder("utf8");
  const splitter = new LineSplitter();
  for await (const chunk of input) {
    const lines = splitter.push(typeof chunk === "string" ? chunk : decoder.write(chunk));
    if (lines.length > 0) yield lines;
  }
  const lines = splitter.push(decoder.end());
  const last = splitter.end();
  if (last !== undefined) lines.push(last);
  if (lines.length > 0) yield lines;
}

/** `readLineBatches`, one line at a time. */
export async function* readLines(source: LineSource, options: ReadLinesOptions = {}): AsyncGenerator<string> {
  for await (const batch of readLineBatches(source, options)) {
    for (const line of batch) yield line;
  }
}
