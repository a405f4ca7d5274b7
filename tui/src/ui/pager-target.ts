/**
 * What the pager shows: one turn of a conversation (its response or its request, read from the
 * turn's io blobs), or one blob or artifact. Pure: which blob, under which title.
 */
import type { BlobKind, ConversationView, LogRow, ViewState } from "../domain/index.ts";

export type TurnView = "response" | "request";

export type PagerTarget =
  | { readonly kind: "turn"; readonly invokeId: string; readonly turn: number; readonly view: TurnView }
  | { readonly kind: "blob"; readonly ref: string; readonly title: string; readonly blobKind: BlobKind };

export interface PagerDoc {
  readonly title: string;
  /** The blob to read; absent when there is none to show (then `empty` says why). */
  readonly ref?: string;
  readonly blobKind: BlobKind;
  readonly empty?: string;
  /** Where this is among its siblings, e.g. "turn 2 of 3 · response (Tab: request)". */
  readonly position?: string;
}

/** The latest turn of a conversation, showing its response (or its request while it answers). */
export const turnTarget = (c: ConversationView): PagerTarget | undefined => {
  const last = c.turnRefs.at(-1);
  if (!last) return undefined;
  return { kind: "turn", invokeId: c.invokeId, turn: last.turn, view: last.response ? "response" : "request" };
};

const other = (view: TurnView): TurnView => (view === "response" ? "request" : "response");

export const pagerDoc = (target: PagerTarget, state: ViewState): PagerDoc => {
  if (target.kind === "blob") return { title: target.title, ref: target.ref, blobKind: target.blobKind };
  const title = `${target.invokeId} · turn ${target.turn} · ${target.view}`;
  const c = state.conversations.get(target.invokeId);
  if (!c) return { title, blobKind: target.view, empty: `${target.invokeId} is no longer held by this view.` };
  const index = c.turnRefs.findIndex((r) => r.turn === target.turn);
  const refs = c.turnRefs[index];
  const position = `turn ${target.turn} of ${c.turnRefs.at(-1)?.turn ?? target.turn} · ${target.view} (Tab: ${other(target.view)})`;
  const ref = refs?.[target.view];
  if (ref === undefined) {
    const why =
      target.view === "response"
        ? c.ended === undefined && c.status !== "error"
          ? `Turn ${target.turn} has no response yet: the model is still answering.`
          : `Turn ${target.turn} has no response: the call did not complete.`
        : `Turn ${target.turn} has no recorded request.`;
    return { title, blobKind: target.view, empty: why, position };
  }
  return { title, ref, blobKind: target.view, position };
};

export const switchView = (target: PagerTarget): PagerTarget => (target.kind === "turn" ? { ...target, view: other(target.view) } : target);

/** The previous or next recorded turn of the same conversation (staying put at the ends). */
export const switchTurn = (target: PagerTarget, state: ViewState, by: -1 | 1): PagerTarget => {
  if (target.kind !== "turn") return target;
  const refs = state.conversations.get(target.invokeId)?.turnRefs ?? [];
  const index = refs.findIndex((r) => r.turn === target.turn);
  const next = refs[Math.min(refs.length - 1, Math.max(0, index + by))];
  if (!next || next.turn === target.turn) return target;
  // A turn without the view being looked at (a request still answering) shows what it has.
  const view = next[target.view] ? target.view : other(target.view);
  return { ...target, turn: next.turn, view };
};

const blobKindOf = (event: string): BlobKind => {
  if (event === "llm/tool-call" || event === "llm/tool-result") return "tool";
  if (event === "artifact/captured") return "artifact";
  if (event === "llm/request") return "request";
  if (event === "llm/response" || event === "llm/idle") return "response";
  return "auto";
};

/** What opening a LOG row shows: its turn for a request or response row, else its blob. */
export const logRowTarget = (row: LogRow, state: ViewState): PagerTarget | undefined => {
  if (!row.ref) return undefined;
  const ref = row.ref;
  if (row.invokeId && (row.event === "llm/request" || row.event === "llm/response")) {
    const turn = state.conversations.get(row.invokeId)?.turnRefs.find((r) => r.request === ref || r.response === ref);
    if (turn) return { kind: "turn", invokeId: row.invokeId, turn: turn.turn, view: turn.request === ref ? "request" : "response" };
  }
  const title = `${row.event}${row.invokeId ? ` · ${row.invokeId}` : ""} · ${ref}`;
  return { kind: "blob", ref, title, blobKind: blobKindOf(row.event) };
};

export const artifactTarget = (artifact: { readonly name: string; readonly ref: string }): PagerTarget => ({
  kind: "blob",
  ref: artifact.ref,
  title: `artifact ${artifact.name}`,
  blobKind: "artifact",
});
