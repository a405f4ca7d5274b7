import type { InboundFrame } from "./frames-inbound.js";
import type { OutboundFrame } from "./frames-outbound.js";

/** The wire text of a frame: one JSON object, no trailing newline. */
export const encodeFrame = (frame: OutboundFrame | InboundFrame): string => JSON.stringify(frame);
