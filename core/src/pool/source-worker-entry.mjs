// A pool thread of the core running from its TypeScript sources (the core's own tests) starts here:
// it registers tsx before it loads them (a worker does not inherit the loader of the thread that
// made it). The compiled core starts its threads in pool-worker.js directly.
const { register } = await import("tsx/esm/api");
register();
await import("./pool-worker.ts");
