/**
 * The drill-in pager: a turn's full request or response (or any io blob or artifact) read from
 * the session directory and shown as markdown, scrolled with the keys. The document is laid out
 * at the pager's width by markdown-lines.ts, in one go, so it is complete when it first shows;
 * code blocks in a language OpenTUI bundles a tree-sitter grammar for are drawn by its code
 * renderable (plain at once, coloured when the highlighter answers), all others by our own.
 */
import { createEffect, createMemo, createResource, For, Match, on, Switch, type Accessor } from "solid-js";
import { infoStringToFiletype, type ScrollBoxRenderable, type TreeSitterClient } from "@opentui/core";
import { blobMarkdown, type ViewState } from "../domain/index.ts";
import type { BlobReader, BlobResult } from "../transport/index.ts";
import { fit } from "./format.ts";
import { markdownBlocks } from "./markdown-lines.ts";
import { pagerDoc, type PagerTarget } from "./pager-target.ts";
import { StyledLines } from "./styled-lines.tsx";
import { markdownStyle, useTheme } from "./theme.ts";

export interface PagerControls {
  /** Scrolls by `lines` (negative: up). */
  scrollBy(lines: number): void;
  /** Scrolls by whole pages. */
  page(by: number): void;
  edge(to: "first" | "last"): void;
}

export interface PagerProps {
  target: Accessor<PagerTarget>;
  state: Accessor<ViewState>;
  blobs: BlobReader;
  width: Accessor<number>;
  height: Accessor<number>;
  /** Receives the scroll controls once the pager is mounted. */
  controls?: (controls: PagerControls) => void;
  /** Code highlighting client (tests pass a mock); OpenTUI's shared one when absent. */
  treeSitterClient?: TreeSitterClient;
}

/** Filetypes OpenTUI ships a tree-sitter grammar for (its other languages would stay plain there). */
const GRAMMARS: ReadonlySet<string> = new Set(["javascript", "typescript", "zig"]);

/** The filetype OpenTUI highlights a fence's language as, when it has the grammar. */
export const grammarOf = (lang: string): string | undefined => {
  const filetype = infoStringToFiletype(lang);
  return filetype !== undefined && GRAMMARS.has(filetype) ? filetype : undefined;
};

/** Cells of the document's lines: the pager's width less its borders and the scrollbar. */
export const pagerTextWidth = (width: number): number => Math.max(10, width - 3);

const sizeText = (bytes: number): string => (bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/** The document for a blob that was read, with a note when only its start was. */
export const documentOf = (result: Extract<BlobResult, { ok: true }>, ref: string, title: string, kind: Parameters<typeof blobMarkdown>[1]["kind"]): string => {
  const doc = blobMarkdown(result.text, { ref, title, ...(kind ? { kind } : {}) });
  return result.truncated ? `*Showing the first ${sizeText(result.text.length)} of ${sizeText(result.bytes)}.*\n\n${doc}` : doc;
};

export function Pager(props: PagerProps) {
  const theme = useTheme();
  const doc = createMemo(() => pagerDoc(props.target(), props.state()));
  const ref = createMemo(() => doc().ref);
  const [blob] = createResource(ref, (r) => props.blobs.read(r));
  let box: ScrollBoxRenderable | undefined;

  const content = () => {
    const result = blob();
    const d = doc();
    if (blob.loading || !result || !result.ok || d.ref === undefined) return undefined;
    return documentOf(result, d.ref, d.title, d.blobKind);
  };
  const failure = () => {
    const result = blob();
    return !blob.loading && result && !result.ok ? result.message : undefined;
  };

  const blocks = createMemo(() => {
    const markdown = content();
    return markdown === undefined
      ? undefined
      : markdownBlocks(markdown, pagerTextWidth(props.width()), { externalCode: (lang) => grammarOf(lang) !== undefined });
  });

  // A new document starts at its top.
  createEffect(on(content, () => box?.scrollTo(0)));

  const viewport = () => Math.max(1, (box?.viewport.height ?? props.height() - 3) - 1);
  props.controls?.({
    scrollBy: (lines) => box?.scrollBy(lines),
    page: (by) => box?.scrollBy(by * viewport()),
    edge: (to) => box?.scrollTo(to === "first" ? 0 : box.scrollHeight),
  });

  const inner = () => Math.max(10, props.width() - 2);
  const footer = () => fit([doc().ref ?? "", doc().position ?? ""].filter((s) => s !== "").join(" · "), inner());
  return (
    <box
      title={`▸ ${fit(doc().title, inner() - 4)}`}
      border
      borderStyle="double"
      borderColor={theme.focus}
      width={props.width()}
      height={props.height()}
      flexShrink={0}
      flexDirection="column"
    >
      <Switch>
        <Match when={doc().empty}>
          {(why) => (
            <text fg={theme.warn} wrapMode="word" flexGrow={1}>
              {why()}
            </text>
          )}
        </Match>
        <Match when={failure()}>
          {(message) => (
            <text fg={theme.error} wrapMode="word" flexGrow={1}>
              {message()}
            </text>
          )}
        </Match>
        <Match when={blocks()}>
          {(all) => (
            <scrollbox
              ref={(r: ScrollBoxRenderable) => (box = r)}
              flexGrow={1}
              scrollY
              scrollbarOptions={{ trackOptions: { foregroundColor: theme.rule, backgroundColor: theme.scrollTrack } }}
            >
              <For each={all()}>
                {(block) =>
                  block.kind === "lines" ? (
                    <StyledLines lines={() => block.lines} />
                  ) : (
                    <box flexShrink={0} paddingLeft={1} paddingRight={1} {...(theme.codeBg === undefined ? {} : { backgroundColor: theme.codeBg })}>
                      <code
                        content={block.text}
                        filetype={grammarOf(block.lang) ?? ""}
                        syntaxStyle={markdownStyle(theme)}
                        drawUnstyledText
                        wrapMode="char"
                        {...(theme.text === undefined ? {} : { fg: theme.text })}
                        {...(props.treeSitterClient ? { treeSitterClient: props.treeSitterClient } : {})}
                      />
                    </box>
                  )
                }
              </For>
            </scrollbox>
          )}
        </Match>
        <Match when={blob.loading || doc().ref !== undefined}>
          <text fg={theme.dim} flexGrow={1}>{`loading ${doc().ref ?? ""}…`}</text>
        </Match>
      </Switch>
      <text fg={theme.dim} wrapMode="none" flexShrink={0}>
        {footer()}
      </text>
    </box>
  );
}
