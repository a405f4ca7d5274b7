/** The INSPECTOR panel: run status, chart configuration, invocations, artifacts (see inspector-lines.ts). */
import { createMemo, Index, type Accessor } from "solid-js";
import { TextAttributes } from "@opentui/core";
import type { ViewState } from "../domain/index.ts";
import { inspectorLines, inspectorLineText, windowStart } from "./inspector-lines.ts";
import { useTheme } from "./theme.ts";

export interface InspectorProps {
  state: Accessor<ViewState>;
  now: Accessor<number>;
  /** Key of the selected item (see inspector-lines.ts). */
  selected: Accessor<string | undefined>;
  focused: Accessor<boolean>;
  width: Accessor<number>;
  height: Accessor<number>;
}

export function Inspector(props: InspectorProps) {
  const theme = useTheme();
  const inner = () => Math.max(10, props.width() - 2);
  const lines = createMemo(() => inspectorLines(props.state(), props.now()));
  const visible = () => {
    const all = lines();
    const height = Math.max(1, props.height() - 2);
    const start = windowStart(all, props.selected(), height);
    return all.slice(start, start + height);
  };
  return (
    <box
      title={props.focused() ? "▸ INSPECTOR" : "INSPECTOR"}
      border
      borderStyle={props.focused() ? "double" : "single"}
      borderColor={props.focused() ? theme.focus : theme.border}
      width={props.width()}
      height={props.height()}
      flexShrink={0}
      flexDirection="column"
    >
      <Index each={visible()}>
        {(line) => {
          const selected = () => line().key !== undefined && line().key === props.selected();
          return (
            <text
              fg={theme[line().tone]}
              bg={selected() ? theme.selectedBg : undefined}
              attributes={line().heading ? TextAttributes.BOLD : TextAttributes.NONE}
              wrapMode="none"
            >
              {inspectorLineText(line(), selected(), inner())}
            </text>
          );
        }}
      </Index>
    </box>
  );
}
