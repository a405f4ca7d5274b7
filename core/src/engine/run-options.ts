import type { ChartDefinition } from "./define-chart.js";
import type { ModelClient } from "../llm/protocol.js";
import type { HumanRenderer } from "../human/human-renderer.js";
import type { ToolRegistry } from "../tools/index.js";
import type { Clock } from "../runtime/clock.js";
import type { IdSource } from "../runtime/ids.js";
import type { Logger } from "../runtime/logger.js";
import type { SecretValue } from "../runtime/secret-scrubber.js";
import type { RowTap } from "../runtime/transcript-writer.js";
import type { RowInput } from "../runtime/row-input.js";
import type { RunGate } from "../debug/debug-gate.js";
import type { AnyMachineSnapshot } from "xstate";
import type { RuleLayer, SandboxSettings } from "../permissions/index.js";
import type { BwrapDetection } from "../tools/detect-bwrap.js";
import type { StepHooks } from "./step-hooks.js";
import type { HostInspector } from "./host-inspector.js";
import type { SteerChannel, SteerResult } from "./steer-channel.js";
import type { Context, TracerProvider } from "@opentelemetry/api";
import type { SessionStore } from "../store/index.js";
import type { ParkedOn } from "../runtime/session-dir.js";
import type { ParkPolicy } from "./park-watch.js";

export type RunStatus = "done" | "aborted" | "error";

export interface RunChartOptions {
  chart: ChartDefinition;
  /** Absolute path of the chart module, recorded so `--resume` can load it again. */
  chartModule?: string;
  model: ModelClient;
  /**
   * Where the session lives (core/src/store): default the disk store, session directories under
   * `sessionsRoot`. With another store no session file is written (`sessionDir` only names the session).
   */
  store?: SessionStore;
  /** Directory holding session directories. Default `<cwd>/.escapement`. */
  sessionsRoot?: string;
  /** Exact session directory (overrides `sessionsRoot`). */
  sessionDir?: string;
  /** @internal A fleet child's key in a store without directories (`<parent key>/children/<id>`); its session id is the last part. */
  sessionKey?: string;
  /** Resume this session (an id under `sessionsRoot`, or a directory) instead of starting anew. */
  resume?: string;
  input?: unknown;
  tools?: ToolRegistry;
  human?: HumanRenderer;
  /** The work root: tools resolve relative paths against it and, by default, touch nothing outside it. Default `cwd`. */
  workDir?: string;
  /** Permission rules, widest first (e.g. .escapement.json, then run options); a conversation may add its own. */
  permissions?: readonly RuleLayer[];
  /** Files the fs tools may not touch and the shell sandbox hides, besides the session (e.g. key stores). */
  protectedPaths?: readonly string[];
  /** The shell sandbox; default `{ mode: "auto", network: false }`. */
  sandbox?: SandboxSettings;
  /** @internal What probing bubblewrap found, when a parent run knows it already (fleet children). */
  bwrap?: BwrapDetection;
  /** Environment of processes tools start (shell commands); default this process's, without provider keys. */
  toolEnv?: NodeJS.ProcessEnv;
  cwd?: string;
  clock?: Clock;
  ids?: IdSource;
  log?: Logger;
  signal?: AbortSignal;
  /**
   * An xstate inspector beside the runner's own (e.g. `@statelyai/inspect`'s): a function, an
   * observer `{ next }`, or an object with one as `inspect`. It gets every inspection event of the
   * chart's actors, after the runner; a throw is a logged warning, never a failed run.
   */
  inspect?: HostInspector;
  /** Rows after they are on disk (renderers, progress). */
  taps?: RowTap[];
  /**
   * Told the chart's context after each checkpoint that holds a changed one: the context as it was
   * checkpointed (JSON, the run's keys redacted), and the seq of the last row the checkpoint covers.
   * Told before that flush's rows reach the taps (see lib/live-events.ts for the order a host wants).
   * A throw is a logged warning, never a failed run.
   */
  onContext?: (context: unknown, seq: number) => void;
  /** End the run when nothing is in flight and nothing happens for `cycles` checks `intervalMs` apart. */
  wedge?: { intervalMs: number; cycles: number };
  /**
   * Park the run when it waits only on a person's answer (for `afterMs`) or on a timer due more
   * than `timerMs` off (see park-watch.ts): it stops, its session is left `parked`, and the result's
   * status is `parked`; resuming the session (`resume`) continues it, its timers due when they were.
   */
  park?: ParkPolicy;
  checkpointCompactBytes?: number;
  /** The debugger gate (pause, step, interrupt, quit); default: an open gate nothing controls. */
  debug?: RunGate;
  /** Called once the session directory exists, before the first row is written. */
  onStart?: (info: RunStartInfo) => void;
  /**
   * Awaited after the run's first rows are written and before the chart's actor starts (a host
   * waiting for its renderer to attach). The rows it resolves with are recorded first. The caller's
   * `signal` ends the run while it waits.
   */
  untilReady?: () => Promise<readonly RowInput[] | void>;
  /** Stop the run when the same model request is sent this many times (default 10); false: off. */
  loopThreshold?: number | false;
  /** Host code around every model step of every conversation (see step-hooks.ts). */
  stepHooks?: StepHooks;
  /**
   * Where the run's OpenTelemetry spans go (see run-tracing.ts). Default: the globally registered
   * tracer provider, which records nothing until the host registers one.
   */
  tracerProvider?: TracerProvider;
  /** @internal The context the run's span is a child of (a fleet child's: its parent run's span); default the active one. */
  traceParent?: Context;
  /** Steering messages from outside (a renderer, the host): the run takes them once its chart starts. */
  steering?: SteerChannel;
  /** Parallel-safe tool calls of one model step that run at once, in every conversation (default 4); a conversation's `maxParallelTools` wins. */
  maxParallelTools?: number;
  /** Time a tool call may take before it is aborted and the model told it timed out (default 120000 ms); a tool's own `timeoutMs` and a conversation's settings win. */
  toolTimeoutMs?: number;
  /** The same tool call (tool and arguments) made this many times in one conversation is a loop: `llm/tool-loop` and `llm.tool-loop` (default 5); false: off. */
  toolLoopThreshold?: number | false;
  /** This run is a child session of that session (a fleet child, see core/src/fleet): recorded in session.json and runner/started. */
  parentSessionId?: string;
  /** The session whose recorded calls this run replays (`--replay`): a fork links to its parent. */
  forkedFrom?: string;
  /** Write the session's cassette.jsonl (default true). Fleet children do not: their calls are in the parent's. */
  recordCassette?: boolean;
  /**
   * Rows recorded right after `runner/started` (and `runner/resumed`): what the host learned while
   * preparing the run, e.g. `mcp/server-failed` for an MCP server that did not start.
   */
  startRows?: ReadonlyArray<RowInput>;
  /**
   * The credentials the run may meet (provider keys, as `Secret`s or strings). None reaches the
   * session or its readers: every transcript row (and so every wire frame), io blob, cassette line
   * and log line has them, and their JSON-escaped, percent-encoded and base64 forms, replaced by
   * `[redacted]`, and the model's answers, streamed text, events and failures reach the chart
   * scrubbed. Values shorter than 8 characters are ignored (see `SecretScrubber`).
   */
  secrets?: readonly SecretValue[];
}

/** A run that has started: its result, and a way to send events into its root actor. */
export interface ChartHandle {
  sessionId: string;
  runId: string;
  /** The session's directory, or where its store keeps it (`memory:<id>`). */
  sessionDir: string;
  /** Settles when the run ends (never rejects once started). */
  result: Promise<RunResult>;
  /** Sends an event to the chart's root actor; false once the run has ended. */
  send(event: { type: string; [key: string]: unknown }): boolean;
  /** Queues a steering message for a live conversation (see steer-channel.ts); never throws. */
  steer(conversation: string, text: string): SteerResult;
  /** The root actor's latest snapshot (the final one once the run has ended). */
  snapshot(): AnyMachineSnapshot | undefined;
}

export interface RunStartInfo {
  sessionId: string;
  runId: string;
  chartId: string;
  sessionDir: string;
  resumed: boolean;
}

export interface RunResult {
  sessionId: string;
  runId: string;
  sessionDir: string;
  transcriptPath: string;
  /** `parked`: the run stopped to wait (see `park`); its session resumes on an answer or its timer. */
  status: RunStatus | "parked";
  /** With status `parked`: what the session waits on. */
  parked?: ParkedOn;
  /** The chart's active states when the run ended (`finalConfig`, as in the transcript's `runner/done`). */
  finalConfig: string[];
  error?: { category: string; message: string };
}
