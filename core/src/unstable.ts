/**
 * @escapement/core/unstable: advanced pieces for hosts that assemble a run themselves (the runner
 * below `run()`, transcript writing, wire hosting, replay, the MCP bridge).
 *
 * UNSTABLE: no semver promise. Any name here may change or go in any release, minor and patch
 * releases included. Use `@escapement/core` wherever it offers what you need.
 */

// The runner below `run()`: session options that are not data (row taps, a debugger gate, start rows).
export { runChart, startChart, type RunChartOptions, type RunResult, type ChartHandle, type RunStartInfo } from "./engine/index.js";

// Writing a transcript, and the taps that see its rows once they are on disk.
export { TranscriptWriter, type RowTap } from "./runtime/index.js";

// The MCP bridge: a run's registry with the tools of the project's MCP servers, and its start rows.
export {
  connectRunTools,
  type McpRunTools,
  type ConnectMcpOptions,
  type McpConnection,
  type McpServerStatus,
  type McpFailure,
  type McpFailureCategory,
  type McpTransportKind,
} from "./tools/index.js";

// Hosting the wire protocol for renderers (what `escapement run --listen` does), and its debugger gate.
export { WireHub, WireServer, WireHuman, writeWireInfo, removeWireInfo, type WireHubOptions, type WireServerOptions, type WireInfo } from "./wire/index.js";
export { DebugGate, type DebugGateOptions, type DebugGateState, type RunGate } from "./debug/index.js";

// Replay: a saved transcript as wire frames (what `escapement open` serves).
export { transcriptToWire, emitWire, type WireLine, type TranscriptToWireOptions, type Timing } from "./replay/index.js";
