/**
 * Connection state in a few cells: connected; not responding (no frame, not even a heartbeat,
 * for two heartbeat intervals) or no answer (the handshake got no hello), with how long; retrying
 * a lost connection, with the time left before the UI gives up; closed; or a replay.
 */
import { createSignal, onCleanup, type Accessor } from "solid-js";
import type { ConnectionStatus } from "../transport/index.ts";
import { useTheme, type Theme } from "./theme.ts";

export interface ConnectionLabel {
  readonly text: string;
  readonly tone: "ok" | "warn" | "error" | "dim";
}

const seconds = (ms: number): string => `${Math.max(0, Math.round(ms / 1000))}s`;

/** The label at `now` (epoch ms), for the statuses that show a duration. */
export const connectionLabel = (status: ConnectionStatus, now: number): ConnectionLabel => {
  switch (status.state) {
    case "connecting":
      return { text: "◌ connecting", tone: "warn" };
    case "connected":
      return { text: "● connected", tone: "ok" };
    case "not-responding":
      return { text: `◌ not responding ${seconds(now - status.lastFrameAt)}`, tone: "error" };
    case "no-answer":
      return { text: `◌ no answer ${seconds(now - status.since)}`, tone: "error" };
    case "reconnecting":
      return {
        text: `◌ reconnecting (${status.attempt})${status.giveUpAt === undefined ? "" : ` · gives up in ${seconds(status.giveUpAt - now)}`}`,
        tone: "warn",
      };
    case "closed":
      return { text: "○ closed", tone: "error" };
    case "replay":
      return { text: status.done ? "■ replay" : "▶ replay", tone: "dim" };
  }
};

const toneColour = (theme: Theme, tone: ConnectionLabel["tone"]) => theme[tone];

export function ConnectionIndicator(props: { status: Accessor<ConnectionStatus>; clock?: () => number }) {
  const theme = useTheme();
  const clock = props.clock ?? Date.now;
  // The durations it shows count up (or down) each second.
  const [now, setNow] = createSignal(clock());
  const ticker = setInterval(() => setNow(clock()), 1_000);
  onCleanup(() => clearInterval(ticker));
  const label = () => connectionLabel(props.status(), Math.max(now(), clock()));
  return (
    <text fg={toneColour(theme, label().tone)} wrapMode="none" flexShrink={0}>
      {label().text}
    </text>
  );
}
