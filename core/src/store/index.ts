export type { SessionStore, SessionWriter, SessionFile, CreateSession, FileCut } from "./session-store.js";
export { diskStore, diskWriter, filePathsOf, localOnlyFiles, type DiskStoreOptions } from "./disk-store.js";
export { freshPath } from "./fresh-path.js";
export { childKey, isChildKey } from "./child-key.js";
export { followRows, sessionEnded, type FollowRowsOptions } from "./follow-rows.js";
export { memoryStore, type MemoryStoreOptions } from "./memory-store.js";
export { parseStoreSpec, openStore, type StoreSpec } from "./store-spec.js";
export { postgresStore, postgresSchemaVersion, redactedUrl, type PostgresStoreOptions } from "./postgres-store.js";
export {
  liveRunOf,
  writeLiveLock,
  removeLiveLock,
  processIsAlive,
  parseLiveLock,
  liveLockPath,
  LIVE_LOCK_FILE,
  type LiveLock,
  type IsAlive,
} from "./live-lock.js";
export { memoryInbox, isInboxMessage, InboxWatchers, type InboxMessage, type InboxEntry, type SessionInbox, type MemoryInboxOptions } from "./session-inbox.js";
export { postgresInbox, INBOX_CHANNEL, type PostgresInbox } from "./postgres-inbox.js";
