/** Protocol identity, limits and close codes shared by both ends of the wire. */

export const PROTOCOL_NAME = "escapement-wire";
export const PROTOCOL_VERSION = "1.1.0";
/** The major version every frame carries as `v`. */
export const PROTOCOL_MAJOR = 1;

/** Base of every JSON Schema `$id` of this major version. */
export const SCHEMA_BASE_URL = "https://escapement.dev/schema/wire/v1/";

/** Largest renderer -> core frame the core accepts, in UTF-8 bytes. */
export const MAX_INBOUND_FRAME_BYTES = 1024 * 1024;
/** Largest core -> renderer frame the core sends, in UTF-8 bytes; renderers must accept this much. */
export const MAX_OUTBOUND_FRAME_BYTES = 4 * 1024 * 1024;

/** Longest message a `steer` frame (or `run().steer`) may carry, in UTF-16 code units. */
export const MAX_STEER_CHARS = 16_384;

/** Largest chunk of a blob one `blob` frame carries, in bytes before base64. */
export const MAX_BLOB_CHUNK_BYTES = 256 * 1024;
/** `read-blob` requests one connection may have in progress; more are refused (`too-many-reads`). */
export const MAX_BLOB_READS_PER_CONNECTION = 8;

/** Default interval of `heartbeat` frames; a peer silent for 3 intervals is considered gone. */
export const DEFAULT_HEARTBEAT_MS = 5000;
export const HEARTBEAT_MISSES_BEFORE_TIMEOUT = 3;
/** How long the core waits for `attach` after a socket opens. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** WebSocket close codes the core uses (4000-4999 are application codes). */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  messageTooBig: 1009,
  unauthorized: 4001,
  unsupportedVersion: 4002,
  handshakeTimeout: 4003,
  protocolError: 4004,
  heartbeatTimeout: 4008,
  tooSlow: 4009,
} as const;

/**
 * Capabilities a core may announce in `hello`. The list is open: receivers ignore values they
 * do not know, and a minor version may add new ones.
 */
export const CAPABILITIES = {
  /** `attach.since` is honoured: missing stream frames are re-sent. */
  resume: "resume",
  /** The core may send `snapshot` frames. */
  snapshot: "snapshot",
  /** `answer` frames are accepted (false in replays). */
  answer: "answer",
  /** `control` frames are accepted. */
  control: "control",
  /** Consecutive `llm/delta` event frames may be coalesced for a slow connection. */
  coalesceDeltas: "coalesce-deltas",
  /** A saved session played back (since 1.1): `seek` frames are accepted; `playback` and `rewind` frames come. */
  playback: "playback",
  /** `steer` frames are accepted (since 1.1): messages for a running conversation. */
  steer: "steer",
  /** `read-blob` frames are accepted (since 1.1): a row's `ref` read in `blob` chunks. */
  blobs: "blobs",
} as const;

const semver = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Major of a semver string, or undefined when it is not semver. */
export const majorOf = (version: string): number | undefined => {
  const match = semver.exec(version);
  return match ? Number(match[1]) : undefined;
};

/** Pattern of a version string of this major, e.g. "1.0.0", "1.4.2-rc.1". */
export const VERSION_PATTERN = `^${PROTOCOL_MAJOR}\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$`;
