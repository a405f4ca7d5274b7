export { spawnChildren, fleetLogic, defaultConcurrency, type SpawnChildrenParams, type FleetInput, type FleetSnapshot } from "./spawn-children.js";
export { tellChild } from "./tell-child.js";
export type { FleetState, FleetChild, FleetChildResult, ChildStatus, ChildTarget, ChildError } from "./fleet-state.js";
export { mirrorData, mirroredEvents, childDirRef } from "./mirror.js";
