import type { ModelResponse } from "../llm/protocol.js";
import { tokensInContext } from "../llm/router/metrics.js";
import { SessionError } from "../runtime/session-error.js";
import type { SessionPast } from "./session-past.js";

/** What a session's transcript says about one real tool call of a model turn. */
export interface RecordedToolCall {
  /** `tool/started` is on disk: the tool was about to run. */
  started: boolean;
  /** Process groups it started (`tool/process`), with the leader's start time when known. */
  processes: { pgid: number; startTicks?: number }[];
  /** `tool/finished` is on disk: its result, in io.jsonl. */
  finished?: { ref: string; isError: boolean };
}

/** A model turn whose response is on disk: a resume uses it instead of calling the model again. */
export interface RecordedTurn {
  responseRef: string;
  tools: Map<string, RecordedToolCall>;
  /** Tool calls whose `llm/tool-loop` row is on disk: a resume does not write it again. */
  loops: Set<string>;
}

/**
 * What a conversation's rows say about how full its context is, in the order they were written:
 * a response (the tokens of its prompt and reply, and the share of the window they took), a
 * compaction (the estimated tokens of the history after it, and its length), or a compaction
 * that was not made (its summary call failed, or there was nothing to summarise). A resumed
 * conversation rebuilds its context gauge from them.
 */
export type ContextRow =
  | { kind: "response"; turn: number; tokens: number; contextUsed?: number }
  | { kind: "compacted"; turn: number; tokens: number; messages: number }
  | { kind: "not-compacted"; turn: number };

interface TurnRowData {
  invokeId?: unknown;
  turn?: unknown;
  toolCallId?: unknown;
  ref?: unknown;
  isError?: unknown;
  pgid?: unknown;
  startTicks?: unknown;
  childSessionId?: unknown;
  usage?: unknown;
  contextUsed?: unknown;
  tokensAfter?: unknown;
  messagesAfter?: unknown;
  code?: unknown;
}

/**
 * The model turns and tool calls a session's transcript already holds, for the conversations
 * still open at its end (a conversation that ended, or started again, forgets its earlier turns).
 * A resumed conversation takes its turn from here: the response from disk, each finished tool's
 * result from disk, and a tool that was running when the process died is known as such.
 *
 * @internal
 */
export class RecordedTurns {
  readonly #turns = new Map<string, RecordedTurn>();
  readonly #context = new Map<string, ContextRow[]>();
  /** The blobs the kept turns refer to (undefined for one the session does not hold). */
  #blobOf: (ref: string) => string | undefined = () => undefined;
  /** Process groups named in the rows a resume set aside: started after the last checkpoint. */
  readonly #lateProcesses: { pgid: number; startTicks?: number }[] = [];

  private constructor() {}

  static empty(): RecordedTurns {
    return new RecordedTurns();
  }

  /** Reads the (cut back) transcript of a session being resumed. Rows mirrored from child sessions are theirs. */
  static async read(past: SessionPast): Promise<RecordedTurns> {
    const recorded = new RecordedTurns();
    for await (const row of past.rows()) recorded.#add(row.event, row.data as TurnRowData);
    // A process group recorded after the last checkpoint was still started: it is killed too.
    const orphaned = past.orphanedRows();
    if (orphaned !== undefined) {
      for await (const row of orphaned) {
        const data = row.data as TurnRowData;
        if (row.event === "tool/process" && data.childSessionId === undefined && typeof data.pgid === "number") {
          recorded.#lateProcesses.push({ pgid: data.pgid, ...(typeof data.startTicks === "number" ? { startTicks: data.startTicks } : {}) });
        }
      }
    }
    // Only the turns still open are ever taken: their responses and tool results.
    const refs = [...recorded.#turns.values()].flatMap((turn) => [
      turn.responseRef,
      ...[...turn.tools.values()].flatMap((call) => (call.finished ? [call.finished.ref] : [])),
    ]);
    recorded.#blobOf = await past.blobs(refs);
    return recorded;
  }

  #add(event: string, data: TurnRowData): void {
    if (data === null || typeof data !== "object" || data.childSessionId !== undefined || typeof data.invokeId !== "string") return;
    const invokeId = data.invokeId;
    if (event === "llm/conversation-started" || event === "llm/conversation-ended") {
      for (const key of [...this.#turns.keys()]) if (key.startsWith(`${invokeId}#`)) this.#turns.delete(key);
      this.#context.delete(invokeId);
      return;
    }
    if (typeof data.turn !== "number") return;
    const context = contextRowOf(event, data, data.turn);
    if (context) {
      const rows = this.#context.get(invokeId);
      if (rows) rows.push(context);
      else this.#context.set(invokeId, [context]);
    }
    const key = `${invokeId}#${data.turn}`;
    if (event === "llm/response" && typeof data.ref === "string") {
      this.#turns.set(key, { responseRef: data.ref, tools: new Map(), loops: new Set() });
      return;
    }
    const turn = this.#turns.get(key);
    if (!turn || typeof data.toolCallId !== "string") return;
    if (event === "llm/tool-loop") {
      turn.loops.add(data.toolCallId);
      return;
    }
    let call = turn.tools.get(data.toolCallId);
    if (!call) turn.tools.set(data.toolCallId, (call = { started: false, processes: [] }));
    if (event === "tool/started") call.started = true;
    else if (event === "tool/process" && typeof data.pgid === "number") {
      call.processes.push({ pgid: data.pgid, ...(typeof data.startTicks === "number" ? { startTicks: data.startTicks } : {}) });
    } else if (event === "tool/finished" && typeof data.ref === "string") call.finished = { ref: data.ref, isError: data.isError === true };
  }

  /** Whether the turn's answer is on disk, not taken yet (it resumes with no model call). */
  has(invokeId: string, turn: number): boolean {
    return this.#turns.has(`${invokeId}#${turn}`);
  }

  /** The recorded turn of a conversation, once: a second take (the conversation went on) finds nothing. */
  take(invokeId: string, turn: number): RecordedTurn | undefined {
    const key = `${invokeId}#${turn}`;
    const recorded = this.#turns.get(key);
    this.#turns.delete(key);
    return recorded;
  }

  /** The context rows of a conversation, once: a later conversation reusing the invoke id starts without them. */
  takeContext(invokeId: string): ContextRow[] {
    const rows = this.#context.get(invokeId) ?? [];
    this.#context.delete(invokeId);
    return rows;
  }

  /** The model's response of a recorded turn, from io.jsonl. */
  response(turn: RecordedTurn): ModelResponse {
    return this.#blob(turn.responseRef) as ModelResponse;
  }

  /** The result a finished tool call returned, from io.jsonl. */
  toolResult(ref: string): { output: string; isError: boolean } {
    const blob = this.#blob(ref) as { output?: unknown; isError?: unknown };
    return { output: typeof blob.output === "string" ? blob.output : "", isError: blob.isError === true };
  }

  #blob(ref: string): unknown {
    const text = this.#blobOf(ref);
    try {
      if (text !== undefined) return JSON.parse(text);
    } catch {
      // reported below
    }
    throw new SessionError("checkpoint-malformed", `the session's io.jsonl does not hold ${ref}, which its transcript refers to; run escapement repair`);
  }

  /** Tool calls that started and never finished, as (invokeId, turn, toolCallId): their processes are the dead run's. */
  unfinishedCalls(): { invokeId: string; turn: number; toolCallId: string }[] {
    const calls: { invokeId: string; turn: number; toolCallId: string }[] = [];
    for (const [key, turn] of this.#turns) {
      const at = key.lastIndexOf("#");
      for (const [toolCallId, call] of turn.tools) {
        if (call.started && !call.finished) calls.push({ invokeId: key.slice(0, at), turn: Number(key.slice(at + 1)), toolCallId });
      }
    }
    return calls;
  }

  /** Process groups of tool calls that started and never finished: the dead run's, to be killed before anything runs. */
  orphanedProcesses(): { pgid: number; startTicks?: number }[] {
    const kept = [...this.#turns.values()].flatMap((turn) => [...turn.tools.values()].filter((call) => !call.finished).flatMap((call) => call.processes));
    return [...kept, ...this.#lateProcesses];
  }
}

function contextRowOf(event: string, data: TurnRowData, turn: number): ContextRow | undefined {
  if (event === "llm/response" && isUsage(data.usage)) {
    return { kind: "response", turn, tokens: tokensInContext(data.usage), ...(typeof data.contextUsed === "number" ? { contextUsed: data.contextUsed } : {}) };
  }
  if (event === "llm/compacted" && typeof data.tokensAfter === "number" && typeof data.messagesAfter === "number") {
    return { kind: "compacted", turn, tokens: data.tokensAfter, messages: data.messagesAfter };
  }
  if (event === "runner/notice" && (data.code === "compaction-failed" || data.code === "compaction-skipped")) return { kind: "not-compacted", turn };
  return undefined;
}

const isUsage = (value: unknown): value is ModelResponse["usage"] =>
  value !== null &&
  typeof value === "object" &&
  ["input", "output", "cacheRead", "cacheWrite"].every((key) => typeof (value as Record<string, unknown>)[key] === "number");
