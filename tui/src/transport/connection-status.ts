/** What the connection indicator shows. */
export type ConnectionStatus =
  | { readonly state: "connecting" }
  | { readonly state: "connected" }
  | { readonly state: "reconnecting"; readonly attempt: number; readonly retryInMs: number; readonly reason: string }
  | { readonly state: "closed"; readonly reason: string }
  /** Frames come from a file; there is no connection to lose. */
  | { readonly state: "replay"; readonly done: boolean };

/** A line that was not a frame this renderer can use. */
export interface SkippedInput {
  /** 1-based line of a replay file, or the count of messages received on a socket. */
  readonly position: number;
  readonly code: string;
  readonly message: string;
}
