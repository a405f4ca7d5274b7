export {
  transcriptToWire,
  transcriptToWireBatches,
  transcriptToWireText,
  runStartedIds,
  type WireLine,
  type TranscriptToWireOptions,
} from "./transcript-to-wire.js";
export { play, delayBefore, PlaybackControl, realSleep, timingModes, type Timing, type Sleep, type Timed } from "./playback.js";
export { emitWire } from "./emit-wire.js";
export { validateSessionDir } from "./validate-session-dir.js";
export { Player, type PlayerOptions } from "./player.js";
export { buildSeekIndex, resolveSeek, type SeekIndex, type SeekResolution } from "./seek-index.js";
