// A pool thread starts here: the core runs from its TypeScript sources, so the thread registers
// tsx before it loads them (a worker does not inherit the loader of the thread that made it).
const { register } = await import("tsx/esm/api");
register();
await import("./pool-worker.ts");
