export { SessionPool, type SessionPoolOptions } from "./session-pool.js";
export type { PoolJob } from "./pool-protocol.js";
