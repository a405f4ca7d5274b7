import { appendFileSync, createReadStream, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { SessionError } from "../../runtime/session-error.js";
import { cassetteVersion, type CassetteCall, type CassetteHeader } from "./cassette-entry.js";

/**
 * Appends recorded calls to a session's cassette.jsonl, one line each, as they complete. The file
 * is opened per append (calls are seconds apart), so thousands of live sessions hold no descriptor.
 */
export class CassetteWriter {
  readonly #path: string;
  #header: CassetteHeader | undefined;

  constructor(path: string, header: Omit<CassetteHeader, "kind" | "version">) {
    this.#path = path;
    const fresh = !existsSync(path) || statSync(path).size === 0;
    // Written with the first call: a run that never calls a model leaves no cassette.
    if (fresh) this.#header = { kind: "cassette", version: cassetteVersion, ...header };
  }

  /** Appends one call, given as its JSON text (see `callJson`). */
  append(callText: string): void {
    const line = `${callText}\n`;
    // The header goes out with the first call, in the same write.
    appendFileSync(this.#path, this.#header ? `${JSON.stringify(this.#header)}\n${line}` : line);
    this.#header = undefined;
  }

  close(): void {}
}

export interface LoadedCassette {
  path: string;
  header: CassetteHeader;
  calls: CassetteCall[];
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
  let header: CassetteHeader | undefined;
  const calls: CassetteCall[] = [];
  let skipped = 0;
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity })) {
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
      if (value.version !== cassetteVersion) throw new SessionError("checkpoint-malformed", `${path}: cassette version ${value.version} is not supported (this build reads ${cassetteVersion})`);
      header = value as CassetteHeader;
      continue;
    }
    if (value?.kind === "call" && typeof value.key === "string" && Number.isInteger(value.position)) calls.push(value as CassetteCall);
    else skipped++;
  }
  if (!header) throw new SessionError("checkpoint-malformed", `${path} is empty`);
  if (expectedChartId !== undefined && header.chartId !== expectedChartId) {
    throw new SessionError("chart-mismatch", `${path} was recorded for chart "${header.chartId}", not "${expectedChartId}"`);
  }
  return { path, header, calls, skipped };
}
