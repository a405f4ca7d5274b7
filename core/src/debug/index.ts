export {
  DebugGate,
  type DebugGateOptions,
  type DebugGateState,
  type DebugMode,
  type ControlResult,
  type ControlRefusal,
  type GateBinding,
  type RunGate,
} from "./debug-gate.js";
export { childGate } from "./child-gate.js";
export { interruptibleModel } from "./interruptible-model.js";
