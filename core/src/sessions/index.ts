export { summarizeSession, summarizeStoredSession, createSummaryFolder, type SessionSummary, type ModelStats, type TokenTotals } from "./session-summary.js";
export { listSessions, listStoredSessions } from "./list-sessions.js";
export { locateSession } from "../runtime/session-dir.js";
export { exportSession, exportStoredSession, importSession, importIntoStore, bundleFormat, bundleVersion } from "./session-bundle.js";
export { percentile, spreadOf, type Spread } from "./percentiles.js";
export { liveRunOf, writeLiveLock, removeLiveLock, processIsAlive, LIVE_LOCK_FILE, type LiveLock, type IsAlive } from "../store/index.js";
