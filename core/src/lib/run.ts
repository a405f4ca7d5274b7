/**
 * `run(options)`: the hosted facade. One call runs one chart to its end in a session directory
 * and reports public events on the way. Hermetic: the model, config, credentials, tools and input
 * all come from `options`; nothing is read from env vars or config files, and every run builds its
 * own router, catalog, registry and mapper, so runs in one process never see each other.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { PublicEvent } from "@escapement/wire-schema";
import type { ChartDefinition } from "../engine/define-chart.js";
import { systemClock } from "../runtime/clock.js";
import { randomIds, type IdSource } from "../runtime/ids.js";
import { scrubbingLogger, silentLogger, type Logger } from "../runtime/logger.js";
import { observe, type ConversationEnd, type ConversationStart, type StepHooks } from "../engine/step-hooks.js";
import { SecretScrubber, type SecretValue } from "../runtime/secret-scrubber.js";
import { runChart, type RunStatus } from "../engine/runner.js";
import type { RowTap } from "../runtime/transcript-writer.js";
import type { ParkedOn } from "../runtime/session-dir.js";
import { InboxHuman } from "../human/index.js";
import type { SessionStore } from "../store/index.js";
import { createDefaultRegistry } from "../tools/builtin-tools.js";
import { permissionOptions } from "../engine/permission-options.js";
import { ToolRegistry } from "../tools/tool-registry.js";
import { runMcpTools } from "./run-mcp.js";
import { EventChannel } from "./event-channel.js";
import { SteerChannel, type SteerResult } from "../engine/steer-channel.js";
import { resolveOptions, RunOptionsError, type ResolvedOptions, type RunOptions } from "./options.js";
import { createLiveEventMapper } from "./live-events.js";
import { initialPublicEventState } from "./public-events.js";

export interface RunOutcome {
  runId: string;
  sessionId: string;
  /** `done` (a final state), `aborted` (cancelled), `error` (see `error.category`) or `parked` (see the `park` option). */
  status: RunStatus | "parked";
  /** With status `parked`: the prompts and the timer the session waits on. */
  parked?: ParkedOn;
  /** The active states when the run ended. */
  finalConfig: string[];
  /** The session's directory, or where its store keeps it (`memory:<id>`). */
  sessionDir: string;
  transcriptPath: string;
  error?: { category: string; message: string };
}

/** A running run: await it for the outcome; `events()` streams its public events. */
export interface RunHandle extends Promise<RunOutcome> {
  /** This run's id (known at once; also on every event and on the outcome). */
  readonly runId: string;
  /**
   * The public events from now on, ending after the terminal event (run-done, run-aborted or
   * run-error). Call it right after `run()` (in the same tick) to see every event: nothing is
   * emitted before the caller's synchronous code is done. Throws what `run()` rejects with.
   */
  events(): AsyncIterableIterator<PublicEvent>;
  /**
   * Sends a message to the live conversation `conversationId` (its `converse({ id })`). It is
   * queued and given to the model at the conversation's next step: after the model call in flight
   * and its tool results, before the next call; a conversation waiting for its chart gets it with
   * its next turn. Never throws: `{ ok: false, code, message }` when the message is empty or over
   * 16,384 characters, no such conversation is live, or the run is not running.
   */
  steer(conversationId: string, text: string): SteerResult;
}

/**
 * Runs a chart. Rejects with `RunOptionsError` (every bad option, with its path) before anything
 * is written, or with a `SessionError` when the session directory cannot be used; otherwise
 * resolves with the outcome once the transcript is closed, whatever the status.
 */
export function run(options: RunOptions): RunHandle {
  const channel = new EventChannel<PublicEvent>();
  const steering = new SteerChannel();
  let promise: Promise<RunOutcome>;
  let runId: string;
  try {
    const resolution = resolveOptions(options);
    const ids = (resolution.ok ? options.ids : undefined) ?? randomIds;
    runId = ids.runId();
    if (!resolution.ok) throw new RunOptionsError(resolution.issues);
    promise = start(options, resolution.resolved, runId, ids, channel, steering);
  } catch (error) {
    // Never a synchronous throw: every failure is the handle's rejection.
    runId ??= randomIds.runId();
    channel.end(error);
    promise = Promise.reject(error);
  }
  return Object.assign(promise, {
    runId,
    events: () => {
      // The iterator reports a rejection; awaiting the handle as well is not required.
      promise.catch(() => {});
      return channel.iterate();
    },
    steer: (conversationId: string, text: string) => steering.steer(conversationId, text, "host"),
  });
}

async function start(
  options: RunOptions,
  resolved: ResolvedOptions,
  runId: string,
  ids: IdSource,
  channel: EventChannel<PublicEvent>,
  steering: SteerChannel,
): Promise<RunOutcome> {
  // Let the caller's synchronous code (events(), listeners) run before anything happens.
  await Promise.resolve();
  const secrets = runSecrets(options, resolved);
  const scrubber = SecretScrubber.of(secrets);
  const log = scrubbingLogger(options.log ?? silentLogger, scrubber);
  const clock = options.clock ?? systemClock;
  const { chart, model } = resolved;
  const store = options.store;
  const named = options.resume ?? options.sessionDir;
  const sessionId = named === undefined ? ids.sessionId(clock.now()) : basename(resolve(named));
  // A store without directories (memory, Postgres) gives the session none; its work root is then a
  // temporary one (a resumed session's too: pass workDir to keep one across runs).
  const dirless = store !== undefined && store.kind !== "disk";
  const sessionDir =
    named === undefined
      ? store
        ? store.dirOf(sessionId)
        : sessionDirOf(options, sessionId)
      : dirless && options.resume !== undefined
        ? undefined
        : resolve(named);
  const tempWork = options.workDir === undefined && sessionDir === undefined ? mkdtempSync(join(tmpdir(), `escapement-${sessionId}-work-`)) : undefined;
  const workDir = options.workDir === undefined ? (tempWork ?? join(sessionDir!, "work")) : resolve(options.workDir);
  const tools = options.tools instanceof ToolRegistry ? options.tools : (resolved.toolList ?? defaultRegistry(chart, options.toolEnv ?? {}));

  const map = createLiveEventMapper(initialPublicEventState({ runId }));
  const deliver = (event: PublicEvent): void => {
    if (options.onEvent) {
      try {
        options.onEvent(event);
      } catch (error) {
        log.warn(`run ${runId}: onEvent threw on ${event.type} (seq ${event.seq}); the run goes on`, { message: (error as Error)?.message ?? String(error) });
      }
    }
    channel.push(event);
  };
  const hooks = resolved.hooks;
  const tap: RowTap = (rows) => {
    try {
      for (const event of map.rows(rows)) deliver(event);
      if (hooks) for (const row of rows) observeConversation(hooks, row, log);
    } catch (error) {
      // A tap must never throw into the transcript writer; the transcript has the rows anyway.
      log.error(`run ${runId}: public event mapping failed`, { message: (error as Error)?.message ?? String(error) });
    }
  };

  log.info(`run ${runId}: chart ${chart.id}${options.resume ? ", resuming" : ""} in ${sessionDir ?? store!.location(sessionId)}`);
  // A human answering through the inbox reads this session's, from where a parked run of it stopped.
  const inboxHuman = options.human instanceof InboxHuman ? options.human : undefined;
  if (inboxHuman) inboxHuman.attach(sessionId, options.resume && store ? await parkedInboxSeq(store, sessionId) : 0);
  // The config's MCP servers, as `escapement run` starts them: one that fails is a warning and a row, not a failure.
  const mcp = await runMcpTools(resolved.config.mcpServers, tools, {
    log,
    env: options.toolEnv ?? {},
    ...(options.workDir === undefined ? {} : { workDir }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    const result = await runChart({
      chart,
      model,
      tools: mcp.registry ?? tools,
      ...(mcp.startRows.length > 0 ? { startRows: mcp.startRows } : {}),
      ...(store ? { store } : {}),
      ...(options.resume
        ? store
          ? { resume: sessionDir ?? options.resume }
          : { resume: basename(sessionDir!), sessionsRoot: dirname(sessionDir!) }
        : sessionDir === undefined
          ? {}
          : { sessionDir }),
      cwd: workDir,
      workDir,
      ...permissionOptions({
        config: resolved.config,
        configLabel: "options.config",
        baseDir: workDir,
        env: options.toolEnv ?? {},
        ...(options.permissions ? { rules: options.permissions, rulesLabel: "options.permissions" } : {}),
        ...(options.sandbox ? { sandbox: options.sandbox } : {}),
      }),
      ids: { ...ids, runId: () => runId, sessionId: () => sessionId },
      clock,
      log,
      taps: [tap],
      onContext: map.context,
      steering,
      ...(options.human ? { human: options.human } : {}),
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.loopThreshold === undefined ? {} : { loopThreshold: options.loopThreshold }),
      ...(options.maxParallelTools === undefined ? {} : { maxParallelTools: options.maxParallelTools }),
      ...(options.toolTimeoutMs === undefined ? {} : { toolTimeoutMs: options.toolTimeoutMs }),
      ...(options.toolLoopThreshold === undefined ? {} : { toolLoopThreshold: options.toolLoopThreshold }),
      ...(options.wedge ? { wedge: options.wedge } : {}),
      ...(options.park ? { park: { ...options.park, ...(inboxHuman ? { inboxSeq: () => inboxHuman.cursor } : {}) } } : {}),
      ...(options.tracerProvider ? { tracerProvider: options.tracerProvider } : {}),
      ...(resolved.hooks ? { stepHooks: resolved.hooks } : {}),
      ...(options.inspect ? { inspect: options.inspect } : {}),
      secrets,
    });
    log.info(`run ${runId}: ${result.status}${result.error ? ` (${result.error.category}: ${result.error.message})` : ""}`);
    channel.end();
    return {
      runId: result.runId,
      sessionId: result.sessionId,
      status: result.status,
      ...(result.parked ? { parked: result.parked } : {}),
      finalConfig: result.finalConfig,
      sessionDir: result.sessionDir,
      transcriptPath: result.transcriptPath,
      ...(result.error ? { error: scrubber.scrubJson(result.error) } : {}),
    };
  } catch (error) {
    log.error(`run ${runId}: could not run: ${(error as Error)?.message ?? String(error)}`);
    channel.end(error);
    throw error;
  } finally {
    await mcp.close();
    if (tempWork !== undefined) rmSync(tempWork, { recursive: true, force: true });
  }
}

/** The conversation hooks, told of each conversation's start and end rows (after they are on disk). */
function observeConversation(hooks: StepHooks, row: { event: string; data: unknown }, log: Logger): void {
  if (row.event === "llm/conversation-started") {
    const { invokeId, stateId, model } = row.data as ConversationStart;
    observe(hooks, "onConversationStart", { invokeId, stateId, model }, log);
  } else if (row.event === "llm/conversation-ended") {
    const { invokeId, stateId, reason } = row.data as ConversationEnd;
    observe(hooks, "onConversationEnd", { invokeId, stateId, reason }, log);
  }
}

/** The keys a run must never write: every one in `credentials`, and those the config's providers resolved. */
function runSecrets(options: RunOptions, resolved: ResolvedOptions): SecretValue[] {
  const given = Object.values(options.credentials ?? {});
  const configured = resolved.providers.flatMap((provider) => (provider.apiKey ? [provider.apiKey] : []));
  return [...given, ...configured];
}

/** The directory of a new session the options do not name. */
function sessionDirOf(options: RunOptions, sessionId: string): string {
  if (options.sessionsRoot !== undefined) return join(resolve(options.sessionsRoot), sessionId);
  return join(tmpdir(), `escapement-${sessionId}`);
}

/** The built-in tools plus the chart's own; shell commands get `env`, fetched bodies stay in the session. */
function defaultRegistry(chart: ChartDefinition, env: Readonly<Record<string, string>>): ToolRegistry {
  const registry = createDefaultRegistry({ shellRun: { env: { ...env } } });
  for (const tool of chart.tools ?? []) registry.register(tool);
  return registry;
}

/** The inbox entries a parked session's last run had read; 0 when it is not parked (or not found: the resume reports that). */
async function parkedInboxSeq(store: SessionStore, sessionId: string): Promise<number> {
  try {
    return (await store.manifest(await store.locate(sessionId))).parked?.inboxSeq ?? 0;
  } catch {
    return 0;
  }
}
