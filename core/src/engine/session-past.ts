/**
 * What a resumed run reads of its session's past, whichever store holds it: the transcript's rows
 * up to the checkpoint it resumes from, the rows written after it (set aside), the cassette's
 * calls and the io blobs the kept rows refer to. The disk store reads its files as it always has;
 * another store's session is read once, up front, through the store's read side.
 */
import { existsSync } from "node:fs";
import { loadCassette, parseCassette, type CassetteCall } from "../llm/cassette/index.js";
import { readBlob } from "../runtime/io-store.js";
import type { SessionPaths } from "../runtime/session-dir.js";
import { readTranscript } from "../runtime/transcript-reader.js";
import type { TranscriptRow } from "../runtime/transcript-row.js";
import type { SessionStore } from "../store/index.js";

/** @internal */
export interface SessionPast {
  /** The transcript's rows the resume keeps, in order. */
  rows(): AsyncIterable<TranscriptRow>;
  /** The rows set aside (written after the checkpoint, never acted on); undefined when there were none. */
  orphanedRows(): AsyncIterable<TranscriptRow> | undefined;
  /** The cassette's calls; none when the session has no readable cassette. */
  cassetteCalls(): Promise<CassetteCall[]>;
  /** A lookup of the blobs these refs name (undefined for one the session does not hold), read before the run needs them. */
  blobs(refs: readonly string[]): Promise<(ref: string) => string | undefined>;
}

/** A transcript file, or rows already read. */
export type RowSource = string | AsyncIterable<TranscriptRow>;

/** @internal The rows of a source: a file read line by line, or the rows themselves. */
export const rowsOf = (source: RowSource): AsyncIterable<TranscriptRow> => (typeof source === "string" ? readTranscript(source) : source);

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

/** @internal A session directory's past: its files, read when asked (as resumes always read them). */
export function diskPast(paths: SessionPaths, orphanedRows: string | undefined): SessionPast {
  return {
    rows: () => readTranscript(paths.transcript),
    orphanedRows: () => (orphanedRows === undefined ? undefined : readTranscript(orphanedRows)),
    cassetteCalls: async () => {
      if (!existsSync(paths.cassette)) return [];
      try {
        return (await loadCassette(paths.cassette)).calls;
      } catch {
        return [];
      }
    },
    blobs: async () => (ref) => readBlob(paths.root, ref),
  };
}

/** @internal A stored session's past: the rows and the cassette read already, blobs fetched from the store. */
export function storedPast(
  store: SessionStore,
  key: string,
  kept: readonly TranscriptRow[],
  orphaned: readonly TranscriptRow[],
  cassette: string | undefined,
): SessionPast {
  return {
    rows: () => each(kept),
    orphanedRows: () => (orphaned.length === 0 ? undefined : each(orphaned)),
    cassetteCalls: async () => {
      if (cassette === undefined) return [];
      try {
        return (await parseCassette(cassette, `${store.location(key)}/cassette.jsonl`)).calls;
      } catch {
        return [];
      }
    },
    blobs: async (refs) => {
      const found = new Map<string, string | undefined>();
      for (const ref of new Set(refs)) found.set(ref, await store.blob(key, ref));
      return (ref) => found.get(ref);
    },
  };
}
