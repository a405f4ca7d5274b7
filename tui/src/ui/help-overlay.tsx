/** The `?` overlay: every key and what it does. */
import { For } from "solid-js";
import { padEnd } from "./format.ts";
import { KEY_BINDINGS } from "./key-help.ts";
import { useTheme } from "./theme.ts";

export function HelpOverlay(props: { height: number }) {
  const theme = useTheme();
  return (
    <box title="KEYS (? or Esc to close)" border borderColor={theme.accent} height={props.height} flexShrink={0} flexDirection="column" paddingLeft={1}>
      <For each={KEY_BINDINGS}>
        {(binding) => (
          <text wrapMode="none">
            <span style={{ fg: theme.accent }}>{padEnd(binding.keys, 18)}</span>
            {binding.does}
          </text>
        )}
      </For>
    </box>
  );
}
