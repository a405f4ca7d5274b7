/** Connection state in a few cells: connected, reconnecting, closed, or a replay. */
import type { Accessor } from "solid-js";
import type { ConnectionStatus } from "../transport/index.ts";
import { useTheme, type Theme } from "./theme.ts";

export interface ConnectionLabel {
  readonly text: string;
  readonly tone: "ok" | "warn" | "error" | "dim";
}

export const connectionLabel = (status: ConnectionStatus): ConnectionLabel => {
  switch (status.state) {
    case "connecting":
      return { text: "◌ connecting", tone: "warn" };
    case "connected":
      return { text: "● connected", tone: "ok" };
    case "reconnecting":
      return { text: `◌ reconnecting (${status.attempt})`, tone: "warn" };
    case "closed":
      return { text: "○ closed", tone: "error" };
    case "replay":
      return { text: status.done ? "■ replay" : "▶ replay", tone: "dim" };
  }
};

const toneColour = (theme: Theme, tone: ConnectionLabel["tone"]) => theme[tone];

export function ConnectionIndicator(props: { status: Accessor<ConnectionStatus> }) {
  const theme = useTheme();
  const label = () => connectionLabel(props.status());
  return (
    <text fg={toneColour(theme, label().tone)} wrapMode="none" flexShrink={0}>
      {label().text}
    </text>
  );
}
