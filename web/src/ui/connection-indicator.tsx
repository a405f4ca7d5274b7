import type { ConnectionStatus } from "../transport/ws-client.js";

const LABELS: Record<ConnectionStatus["state"], string> = {
  connecting: "connecting",
  attached: "connected",
  reconnecting: "reconnecting",
  closed: "closed",
  refused: "refused",
};

/** Whether the page is attached to the core, and why not. */
export function ConnectionIndicator(props: { status: ConnectionStatus }) {
  return (
    <span class={`connection connection-${props.status.state}`} data-testid="connection" title={props.status.detail ?? ""}>
      ● {LABELS[props.status.state]}
      {props.status.detail ? ` · ${props.status.detail}` : ""}
    </span>
  );
}
