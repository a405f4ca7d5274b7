import type { StreamRows } from "./transcript-writer.js";

interface DeltaData {
  invokeId?: unknown;
  turn?: unknown;
  kind?: unknown;
  text?: unknown;
}

/**
 * `llm/delta` rows stream: the fragments of one conversation turn, of one kind (text or
 * thinking), that wait for the same flush become one row with their text joined.
 */
export const deltaRows: StreamRows = {
  streams: (event) => event === "llm/delta",
  join: (previous, data) => {
    const a = previous as DeltaData;
    const b = data as DeltaData;
    if (a.invokeId !== b.invokeId || a.turn !== b.turn || a.kind !== b.kind) return undefined;
    if (typeof a.text !== "string" || typeof b.text !== "string") return undefined;
    // The writer owns the rows it holds, so the open row's data grows in place (one allocation fewer
    // per fragment, which counts with thousands of sessions streaming at once).
    a.text += b.text;
    return a;
  },
  size: (data) => {
    const text = (data as DeltaData).text;
    return typeof text === "string" ? text.length : 0;
  },
};
