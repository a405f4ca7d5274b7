import { existsSync, statSync } from "node:fs";
import { appendNamed } from "../../runtime/append-named.js";
import { basename, dirname, join } from "node:path";
import { rangeRef } from "@escapement/wire-schema";
import { readBlob } from "../../runtime/io-store.js";
import { readLines, splitLines } from "../../runtime/read-lines.js";
import { SecretScrubber } from "../../runtime/secret-scrubber.js";
import { SessionError } from "../../runtime/session-error.js";
import { leaveToDurable, type Durable } from "../../runtime/durable.js";
import {
  callJson,
  cassetteVersion,
  fragmentsOf,
  readableCassetteVersions,
  type CassetteCall,
  type CassetteHeader,
  type CassetteSteer,
  type RecordedCall,
  type RecordedFragment,
  type StreamFragment,
} from "./cassette-entry.js";

/**
 * Where cassette lines go when they are not a file (a session store's cassette): `head` is the
 * start of what it holds ("" when empty), `append` acknowledges the text as a transcript sink does.
 */
export interface CassetteSink {
  head(): string;
  append(text: string): Durable;
}

/** A cassette file, opened per append. */
const cassetteFile = (path: string): CassetteSink => ({
  // The header is the first line: read its first few KiB, not the whole cassette.
  head: () => ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) === 0 ? "" : (readBlob(dirname(path), rangeRef(basename(path), 0, 4096)) ?? "")),
  append: (text) => appendNamed(path, text),
});

/**
 * Appends recorded calls to a session's cassette.jsonl, one line each, as they complete. The file
 * is opened per append (calls are seconds apart), so thousands of live sessions hold no descriptor.
 * With a scrubber, no line holds a secret (see `SecretScrubber.scrubJsonText`).
 */
export class CassetteWriter {
  readonly #sink: CassetteSink;
  #header: CassetteHeader | undefined;
  /** The version of the file appended to: a resumed run continues a version 1 cassette in kind. */
  readonly #version: number;
  readonly #scrubber: SecretScrubber;

  constructor(target: string | CassetteSink, header: Omit<CassetteHeader, "kind" | "version">, scrubber: SecretScrubber = SecretScrubber.none) {
    this.#sink = typeof target === "string" ? cassetteFile(target) : target;
    this.#scrubber = scrubber;
    const head = this.#sink.head();
    const fresh = head === "";
    // Written with the first call: a run that never calls a model leaves no cassette.
    if (fresh) this.#header = { kind: "cassette", version: cassetteVersion, ...header };
    this.#version = fresh ? cassetteVersion : headerVersion(head);
  }

  /** Appends one call; the request is given as its JSON text (see `callJson`). */
  append(call: RecordedCall, requestText: string): void {
    const line = `${this.#scrubber.scrubJsonText(callJson(this.#version === 1 ? { ...call, stream: call.stream.map(asVersion1) } : call, requestText))}\n`;
    // The header goes out with the first call, in the same write.
    leaveToDurable(this.#sink.append(this.#header ? `${JSON.stringify(this.#header)}\n${line}` : line));
    this.#header = undefined;
  }

  /** Appends a steering message the model got (see `CassetteSteer`). */
  appendSteer(steer: Omit<CassetteSteer, "kind">): void {
    const line = `${this.#scrubber.scrubJsonText(JSON.stringify({ kind: "steer", ...steer }))}\n`;
    leaveToDurable(this.#sink.append(this.#header ? `${JSON.stringify(this.#header)}\n${line}` : line));
    this.#header = undefined;
  }

  close(): void {}
}

const asVersion1 = ([atMs, text, kind]: RecordedFragment): StreamFragment => ({ atMs, kind: kind ?? "text", text });

/** The version in an existing cassette's header line, from the cassette's start (this build's when the line is unreadable). */
function headerVersion(start: string): number {
  const head = splitLines(start)[0] ?? "";
  try {
    const version = (JSON.parse(head) as { version?: unknown }).version;
    return typeof version === "number" ? version : cassetteVersion;
  } catch {
    return cassetteVersion;
  }
}

export interface LoadedCassette {
  path: string;
  header: CassetteHeader;
  calls: CassetteCall[];
  /** Steering messages, in the order the model got them (one per `steerId`). */
  steers: CassetteSteer[];
  /** Lines that could not be read (a torn last line is expected after a crash). */
  skipped: number;
}

/** A cassette argument is a cassette file or a session directory holding cassette.jsonl. */
export function cassettePathOf(target: string): string {
  if (existsSync(target) && statSync(target).isDirectory()) return join(target, "cassette.jsonl");
  return target;
}

/** Reads a cassette line by line; refuses one with no header, or from another chart. */
export async function loadCassette(target: string, expectedChartId?: string): Promise<LoadedCassette> {
  const path = cassettePathOf(target);
  if (!existsSync(path)) throw new SessionError("session-missing", `no cassette at ${path}`);
  return cassetteOfLines(readLines(path), path, expectedChartId);
}

/** A cassette from its text (a store's cassette); `path` names it in messages. Refuses what `loadCassette` refuses. */
export function parseCassette(text: string, path: string, expectedChartId?: string): Promise<LoadedCassette> {
  return cassetteOfLines(splitLines(text), path, expectedChartId);
}

async function cassetteOfLines(lines: AsyncIterable<string> | Iterable<string>, path: string, expectedChartId: string | undefined): Promise<LoadedCassette> {
  let header: CassetteHeader | undefined;
  const calls: CassetteCall[] = [];
  const steers: CassetteSteer[] = [];
  let skipped = 0;
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    let value: any;
    try {
      value = JSON.parse(text);
    } catch {
      skipped++;
      continue;
    }
    if (line === 1) {
      if (value?.kind !== "cassette") throw new SessionError("checkpoint-malformed", `${path} is not a cassette (line 1 is not a cassette header)`);
      if (!readableCassetteVersions.includes(value.version)) {
        throw new SessionError(
          "checkpoint-malformed",
          `${path}: cassette version ${value.version} is not supported (this build reads ${readableCassetteVersions.join(" and ")})`,
        );
      }
      header = value as CassetteHeader;
      continue;
    }
    if (isSteerLine(value)) {
      // A resumed run may have written one again: the first one counts.
      if (!steers.some((steer) => steer.steerId === value.steerId)) steers.push(value);
      continue;
    }
    const stream = value?.kind === "call" && typeof value.key === "string" && Number.isInteger(value.position) ? fragmentsOf(value.stream) : undefined;
    if (stream) calls.push({ ...(value as CassetteCall), stream });
    else skipped++;
  }
  if (!header) throw new SessionError("checkpoint-malformed", `${path} is empty`);
  if (expectedChartId !== undefined && header.chartId !== expectedChartId) {
    throw new SessionError("chart-mismatch", `${path} was recorded for chart "${header.chartId}", not "${expectedChartId}"`);
  }
  return { path, header, calls, steers, skipped };
}

function isSteerLine(value: any): value is CassetteSteer {
  return (
    value?.kind === "steer" &&
    typeof value.steerId === "string" &&
    typeof value.text === "string" &&
    typeof value.origin?.invokeId === "string" &&
    Number.isInteger(value.origin?.turn)
  );
}
