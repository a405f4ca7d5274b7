/**
 * A `ref` names a blob relative to the session directory: a whole file (`artifacts/notes.md`), or
 * a byte range of one (`io.jsonl#offset=120&length=3400`). A session packs its full model and tool
 * payloads into `io.jsonl`, one line each, and rows point at the payload's bytes within its line,
 * so a session writes one io file rather than one per turn.
 */
export interface BlobLocation {
  /** The file, relative to the session directory. */
  readonly path: string;
  /** The byte range within it; absent when the ref names the whole file. */
  readonly range?: { readonly offset: number; readonly length: number };
}

const RANGE = /^(.*)#offset=(\d+)&length=(\d+)$/;

/** Where a ref points. A fragment that is not a byte range stays part of the path. */
export const parseRef = (ref: string): BlobLocation => {
  const match = RANGE.exec(ref);
  if (!match) return { path: ref };
  return { path: match[1]!, range: { offset: Number(match[2]), length: Number(match[3]) } };
};

/** The ref of `length` bytes at `offset` in `path`. */
export const rangeRef = (path: string, offset: number, length: number): string => `${path}#offset=${offset}&length=${length}`;
