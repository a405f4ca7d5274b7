/**
 * What the connection indicator shows. Times are epoch ms. `stalledAt`: when frames stopped
 * coming as far as the UI can tell (it left `connected`); the run's clock stands still there.
 */
export type ConnectionStatus =
  | { readonly state: "connecting" }
  | { readonly state: "connected" }
  /** Connected, but no frame (not even a heartbeat) for two heartbeat intervals: a stopped or hung core. */
  | { readonly state: "not-responding"; readonly lastFrameAt: number; readonly stalledAt?: number }
  /** The socket was opened but the handshake got no `hello` in time. */
  | { readonly state: "no-answer"; readonly since: number; readonly stalledAt?: number }
  | {
      readonly state: "reconnecting";
      readonly attempt: number;
      readonly retryInMs: number;
      readonly reason: string;
      /** When reconnecting stops and the core counts as gone. */
      readonly giveUpAt?: number;
      readonly stalledAt?: number;
    }
  /** `gone`: the connection was lost and did not come back within the reconnect window. */
  | { readonly state: "closed"; readonly reason: string; readonly gone?: boolean; readonly stalledAt?: number }
  /** Frames come from a file; there is no connection to lose. */
  | { readonly state: "replay"; readonly done: boolean };

export type ConnectionState = ConnectionStatus["state"];

/** A line that was not a frame this renderer can use. */
export interface SkippedInput {
  /** 1-based line of a replay file, or the count of messages received on a socket. */
  readonly position: number;
  readonly code: string;
  readonly message: string;
}
