export { DebugGate, type DebugGateOptions, type DebugGateState, type DebugMode, type ControlResult, type ControlRefusal, type GateBinding } from "./debug-gate.js";
export { interruptibleModel } from "./interruptible-model.js";
