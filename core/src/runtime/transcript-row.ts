export type { TranscriptRow } from "@escapement/wire-schema";
