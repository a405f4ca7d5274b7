/**
 * Error rows open in the pager too, though they have no blob: the view holds their whole text
 * (`LogRow.detail`), served to the pager under a name of its own, as a markdown document whose
 * lines wrap and keep their line breaks.
 */
import type { LogRow } from "../domain/index.ts";
import type { BlobReader } from "../transport/index.ts";
import type { PagerTarget } from "./pager-target.ts";

/** What the pager's footer names the document: no session file has a name like it. */
export const detailRef = (row: LogRow): string => (row.seq > 0 ? `transcript row ${row.seq} (${row.event})` : `${row.event} (not in the transcript)`);

/** Backslash before every ASCII punctuation character: markdown shows the text as it is. */
const escapeMarkdown = (text: string): string => text.replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);

/** The text as markdown: paragraphs where it has blank lines, a hard line break at every other newline. */
export const detailMarkdown = (text: string): string =>
  text
    .split(/\n{2,}/)
    .map((paragraph) => paragraph.split("\n").map(escapeMarkdown).join("  \n"))
    .join("\n\n");

/** The pager target for a row's whole text; undefined for rows that keep none. */
export const detailTarget = (row: LogRow): PagerTarget | undefined =>
  row.detail === undefined
    ? undefined
    : { kind: "blob", ref: detailRef(row), title: `${row.event}${row.invokeId ? ` · ${row.invokeId}` : ""}`, blobKind: "artifact" };

/** `blobs`, also serving the details registered with `show` (as markdown). */
export const withDetails = (blobs: BlobReader): BlobReader & { show(row: LogRow): void } => {
  const details = new Map<string, string>();
  return {
    ...(blobs.sessionDir === undefined ? {} : { sessionDir: blobs.sessionDir }),
    read: async (ref) => {
      const text = details.get(ref);
      if (text === undefined) return blobs.read(ref);
      const markdown = detailMarkdown(text);
      return { ok: true, text: markdown, bytes: markdown.length, truncated: false };
    },
    show(row) {
      if (row.detail !== undefined) details.set(detailRef(row), row.detail);
    },
  };
};
