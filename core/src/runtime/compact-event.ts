import { snippet } from "@escapement/wire-schema";

const maxInline = 200;

/** Event data for a transcript row: long strings shrink to a snippet (the full text lives in io/). */
export function compactEventData(data: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in data) {
    const value = data[key];
    if (typeof value === "string" && value.length > maxInline) {
      out ??= { ...data };
      out[key] = `${snippet(value)} [${value.length} chars]`;
    }
  }
  return out ?? data;
}
