import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "../runtime/usage-error.js";

/** `--param k=v`: the value is JSON when it parses as JSON, otherwise the plain string. */
export function parseParam(entry: string): [string, unknown] {
  const eq = entry.indexOf("=");
  if (eq <= 0) throw new UsageError(`--param expects key=value, got "${entry}"`);
  const key = entry.slice(0, eq);
  const raw = entry.slice(eq + 1);
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

/** The chart input: `--input file.json` (an object), then each `--param` on top. */
export function buildInput(inputFile: string | undefined, params: readonly string[], cwd: string): Record<string, unknown> | undefined {
  let input: Record<string, unknown> | undefined;
  if (inputFile !== undefined) {
    const path = resolve(cwd, inputFile);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new UsageError(`--input ${inputFile}: ${(error as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`--input ${inputFile}: must hold a JSON object`);
    }
    input = parsed as Record<string, unknown>;
  }
  for (const entry of params) {
    const [key, value] = parseParam(entry);
    input = { ...input, [key]: value };
  }
  return input;
}
