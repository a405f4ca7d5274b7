import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { validatePublicEvent, type PublicEvent } from "@escapement/wire-schema";
import { afterEach, expect } from "vitest";
import type { Logger } from "../../src/runtime/index.js";

export const repo = resolve(import.meta.dirname, "../../..");

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh real directory, removed after the test. */
export const tempDir = (prefix = "escapement-lib-test-"): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

/** Removes `dir` after the test (e.g. a default session directory under os.tmpdir()). */
export const removeAfter = (dir: string): void => {
  made.push(dir);
};

const committedSchema = JSON.parse(readFileSync(join(repo, "wire-schema/schema/v1/public-event.json"), "utf8")) as object;
const validateJson = new Ajv2020({ strict: true, strictRequired: false }).compile(committedSchema);

/** Every event passes the zod union and the committed JSON Schema (schema/v1/public-event.json). */
export function expectValidEvents(events: readonly PublicEvent[]): void {
  const invalid = events.flatMap((event) => {
    const zod = validatePublicEvent(event);
    const json = validateJson(event);
    return zod.ok && json ? [] : [`${event.type} (seq ${event.seq}): ${zod.ok ? "" : zod.error.message} ${json ? "" : JSON.stringify(validateJson.errors)}`];
  });
  expect(invalid).toEqual([]);
}

/** A logger that keeps its lines. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}`);
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export { talkChart } from "./fixtures/talk-chart.js";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `predicate` holds, polling; fails after `ms`. */
export async function until(predicate: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await sleep(5);
  }
}
