/** Styled lines drawn as one text renderable (one per block, however many lines it has). */
import { createEffect, type Accessor } from "solid-js";
import type { TextRenderable } from "@opentui/core";
import type { StyledLine } from "./markdown-lines.ts";
import { styledText } from "./styled-text.ts";
import { useTheme } from "./theme.ts";

export function StyledLines(props: { lines: Accessor<readonly StyledLine[]> }) {
  const theme = useTheme();
  let node: TextRenderable | undefined;
  // Styled text goes in as the renderable's content (the JSX `content` prop takes a string only).
  createEffect(() => {
    const text = styledText(props.lines(), theme);
    if (node) node.content = text;
  });
  return (
    <text
      ref={(r: TextRenderable) => {
        node = r;
        r.content = styledText(props.lines(), theme);
      }}
      wrapMode="none"
      flexShrink={0}
    />
  );
}
