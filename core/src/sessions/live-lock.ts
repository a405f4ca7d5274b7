// The live lock is the session store's (core/src/store); kept here for the session commands' imports.
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
} from "../store/live-lock.js";
