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
import { open } from "node:fs/promises";
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
  const input = typeof source === "string" ? fileChunks(source, options.signal) : source;
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

/**
 * The text of a file or stream in pieces that end where a line ends: each piece is whole lines,
 * each with its "\n" (a "\r" before it kept), except the last piece, which is the last line when
 * the text does not end with "\n" (and is not empty). The same lines as `readLineBatches`, left in
 * the text they were read in, for a reader that finds its lines itself: a chunk's lines after its
 * first come as one slice of the chunk (the line carried over from the chunk before is a piece of
 * its own), so nothing is copied to make them.
 */
export async function* readLinePieces(source: LineSource, options: ReadLinesOptions = {}): AsyncGenerator<string> {
  const input = typeof source === "string" ? fileChunks(source, options.signal) : source;
  const decoder = new StringDecoder("utf8");
  let head = "";
  for await (const chunk of input) {
    const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
    const first = text.indexOf("\n");
    if (first === -1) {
      head += text;
      continue;
    }
    yield head + text.slice(0, first + 1);
    const last = text.lastIndexOf("\n");
    head = text.slice(last + 1);
    if (last > first) yield text.slice(first + 1, last + 1);
  }
  const rest = head + decoder.end();
  if (rest.length > 0) yield rest;
}

/** How much of a file is read at a time. */
const CHUNK_BYTES = 1 << 16;

/**
 * A file's bytes, a chunk at a time, read into one buffer that each chunk reuses: the caller has
 * decoded a chunk before it asks for the next. (A read stream costs several times the reads
 * themselves in its own machinery, a good part of a long replay.) The file is closed when the
 * reading ends, however it ends.
 */
async function* fileChunks(path: string, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  throwIfAborted(signal);
  const file = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      throwIfAborted(signal);
      const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

/** An aborted read throws what an aborted read stream throws: an `AbortError` whose cause is the signal's reason. */
function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw Object.assign(new Error("The operation was aborted", { cause: signal.reason }), { name: "AbortError", code: "ABORT_ERR" });
}

/** `readLineBatches`, one line at a time. */
export async function* readLines(source: LineSource, options: ReadLinesOptions = {}): AsyncGenerator<string> {
  for await (const batch of readLineBatches(source, options)) {
    for (const line of batch) yield line;
  }
}
