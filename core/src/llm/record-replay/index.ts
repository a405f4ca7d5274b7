export { recordReplay, type RecordReplayOptions } from "./record-replay.js";
export { CassetteMissError } from "./cassette-miss-error.js";
