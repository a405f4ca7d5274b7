/**
 * The page's store: the view (a Solid signal over the pure reducer), the connection's status,
 * and the actions the page can take (answer, control, read a blob). Frames come from the
 * WebSocket client; blob chunks go to the blob reader, everything else to the reducer.
 *
 * Every frame is applied to the state at once (a reconnect's `since` is always the last seq
 * applied), but the page is shown the new state at most once per painted frame: a fleet of
 * conversations streams thousands of deltas a second, and re-rendering on each would leave the
 * main thread no time to paint.
 */
import { createSignal, type Accessor } from "solid-js";
import type { OutboundFrame } from "@escapement/wire-schema";
import { applyFrame, initialViewState, type ViewState } from "../domain/index.js";
import { BlobReader } from "../transport/blob-reader.js";
import { WireClient, type ConnectionStatus, type Timers } from "../transport/ws-client.js";

export interface Notice {
  readonly text: string;
  readonly error: boolean;
}

export interface ViewStore {
  readonly view: Accessor<ViewState>;
  readonly status: Accessor<ConnectionStatus>;
  /** The latest thing the page should say: a refused answer, an invalid frame, a failed read. */
  readonly notice: Accessor<Notice | undefined>;
  readonly answer: (promptId: string, answer: { value: unknown } | { cancelled: true }) => void;
  readonly control: (action: string, n?: number) => void;
  /** Moves a played-back session (capability `playback`). */
  readonly seek: (to: string | number) => void;
  /** A message for a running conversation (capability `steer`). */
  readonly steer: (conversation: string, text: string) => void;
  readonly readBlob: (ref: string) => Promise<string>;
  readonly stop: () => void;
}

export interface StoreOptions {
  readonly wsUrl: string;
  readonly token: string;
  readonly createSocket: (url: string) => WebSocket;
  readonly timers: Timers;
  readonly clientVersion: string;
  /** Runs `publish` before the next paint (requestAnimationFrame in the page). */
  readonly beforePaint: (publish: () => void) => void;
}

export const createViewStore = (options: StoreOptions): ViewStore => {
  const [view, setView] = createSignal<ViewState>(initialViewState());
  const [status, setStatus] = createSignal<ConnectionStatus>({ state: "connecting" });
  const [notice, setNotice] = createSignal<Notice | undefined>();
  let current = initialViewState();
  let publishing = false;
  const publish = () => {
    publishing = false;
    setView(current);
  };
  const show = () => {
    if (publishing) return;
    publishing = true;
    options.beforePaint(publish);
  };
  // The client is made below; these closures run only once it has started.
  const blobs = new BlobReader({ send: (frame) => client.send(frame), nextId: () => client.nextId("blob") });

  const onFrame = (frame: OutboundFrame) => {
    if ((frame.kind === "blob" || frame.kind === "error") && blobs.take(frame)) return;
    if (frame.kind === "error") setNotice({ text: `${frame.code}: ${frame.message}`, error: true });
    const next = applyFrame(current, frame);
    if (next === current) return;
    current = next;
    show();
    // A gap cannot be filled on this connection: attach again from the last seq applied.
    if (next.gap) {
      setNotice({ text: `gap in the stream (expected seq ${next.gap.expected}, got ${next.gap.got}); resuming`, error: true });
      const { gap: _gap, ...rest } = next;
      current = rest;
      client.reconnect();
    }
  };

  const client: WireClient = new WireClient({
    url: options.wsUrl,
    token: options.token,
    since: () => current.seq,
    onFrame,
    onStatus: (s) => {
      if (s.state !== "attached") blobs.failAll("the connection dropped");
      setStatus(s);
    },
    onInvalid: (message) => setNotice({ text: `invalid frame from the core: ${message}`, error: true }),
    createSocket: options.createSocket,
    timers: options.timers,
    clientVersion: options.clientVersion,
  });
  client.start();

  const sendOrSay = (frame: Record<string, unknown>) => {
    if (!client.send(frame)) setNotice({ text: "not connected: try again once the page has reconnected", error: true });
  };

  return {
    view,
    status,
    notice,
    answer: (promptId, answer) => sendOrSay({ kind: "answer", id: client.nextId("answer"), promptId, ...answer }),
    control: (action, n) => sendOrSay({ kind: "control", id: client.nextId("control"), action, ...(n === undefined ? {} : { n }) }),
    seek: (to) => sendOrSay({ kind: "seek", id: client.nextId("seek"), to }),
    steer: (conversation, text) => sendOrSay({ kind: "steer", id: client.nextId("steer"), conversation, text }),
    readBlob: (ref) => blobs.read(ref),
    stop: () => client.stop(),
  };
};
