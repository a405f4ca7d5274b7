import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { LIVE_LOCK_FILE, liveRunOf, removeLiveLock, writeLiveLock } from "../../store/index.js";
import { openStore, parseStoreSpec, type StoreSpec } from "../../store/index.js";
import { loadProjectConfig } from "../../config/index.js";
import { connectRunTools, type McpRunTools } from "../../tools/mcp/run-tools.js";
import type { LogLevel } from "../../runtime/logger.js";
import { SecretScrubber } from "../../runtime/secret-scrubber.js";
import { runChart, type RunResult } from "../../engine/runner.js";
import { defaultSessionsRoot, locateSession, openSessionDir } from "../../runtime/session-dir.js";
import { loadChart } from "../../loader/load-chart.js";
import { modelForChart } from "../../loader/model-for-chart.js";
import { liveModelFor, projectSecrets } from "../../loader/live-model.js";
import { loadConfigMiddleware } from "../../loader/config-middleware.js";
import { version } from "../version.js";
import { buildInput, parseParam } from "../parse-params.js";
import { paramNotice } from "../param-notice.js";
import { answerSource } from "../answer-source.js";
import { replayAnswers } from "../replay-answers.js";
import { RecordedHuman } from "../../human/index.js";
import { openFrontend, type FrontendKind } from "../run-frontend.js";
import type { ListenAddress } from "../listen-address.js";
import { inspectorUi, startInspectServer, type InspectServer } from "../inspect-server.js";
import { openAgUiTap, type AgUiTap } from "../ag-ui-tap.js";
import { UsageError } from "../../runtime/usage-error.js";
import { describeFsFault, fsFaultOf } from "../../runtime/fs-fault.js";
import { exitCodes } from "../exit-codes.js";
import { permissionOptions } from "../../engine/permission-options.js";
import type { SandboxMode } from "../../permissions/index.js";
import { CONFIG_FILE_NAME, displayPath } from "../../config/index.js";
import type { CliIo } from "../cli-io.js";

export interface RunFlags {
  param: string[];
  input?: string;
  /** Who shows the run and answers prompts: the terminal UI, wire renderers only, or stdin. */
  frontend: FrontendKind;
  /** `--listen [host:]port`: where the wire server listens (default 127.0.0.1, an ephemeral port). */
  listen?: ListenAddress;
  /** `--web [host:]port`: serve the browser renderer and the wire there (headless otherwise). */
  web?: ListenAddress;
  /** `--inspect [host:]port`: serve the Stately inspector's page there (see inspect-server.ts). */
  inspect?: ListenAddress;
  /** `--ag-ui [host:]port`: serve the run as an AG-UI event stream there too. */
  agUi?: ListenAddress;
  /** `--debug`: start paused at the first external event. */
  debug?: boolean;
  /** `--wait-for-renderer[=seconds]`: hold the chart until a renderer attaches (ms; 0: no limit). */
  waitForRendererMs?: number;
  /** `--linger <seconds>`: keep the wire server up after the run while renderers are attached (ms). */
  lingerMs?: number;
  resume?: string;
  sessionDir?: string;
  /** `--store`: disk (default), memory or a postgres:// URL (see store-spec.ts). */
  store?: string;
  workDir?: string;
  /** `--sandbox`: overrides the config's sandbox mode. */
  sandbox?: SandboxMode;
  replay?: string;
  fork?: boolean;
  forkAt?: number;
  script?: string;
  loopThreshold?: number;
  /** `--otel`: export the run's spans over OTLP/HTTP (see otel-export.ts). */
  otel?: boolean;
  logLevel: LogLevel;
}

/** `escapement run <chart>`: runs a chart in the terminal UI, or headless (see run-frontend.ts). */
export async function runCommand(chartArg: string | undefined, flags: RunFlags, io: CliIo): Promise<number> {
  const storeSpec = flags.store === undefined ? undefined : storeFlagSpec(flags);
  let chartPath = chartArg;
  if (flags.resume && !chartPath) chartPath = storeSpec ? await chartOfStoredSession(storeSpec, flags.resume, io.cwd) : chartOfSession(flags.resume, io.cwd);
  if (!chartPath) throw new UsageError("missing <chart>: escapement run <chart-module> [options]");
  const loaded = await loadChart(chartPath, io.cwd, {
    // The public entry every chart imports, loaded before the chart loader's hooks are in place:
    // once they are, every module Node loads goes through them (a round trip to the loader thread each).
    beforeHooks: () => import("../../index.js"),
  });
  const input = buildInput(flags.input, flags.param, io.cwd);
  const project = loadProjectConfig({ cwd: io.cwd, env: io.env });
  // After the chart: its loading preloaded the core before putting the module hooks in place.
  const middleware = await loadConfigMiddleware(project, { cwd: io.cwd });
  const live = liveModelFor(project, { middleware });
  const secrets = projectSecrets(project);
  const scrubber = SecretScrubber.of(secrets);
  const { model, source, replayOf } = await modelForChart(
    loaded.dir,
    loaded.chart.id,
    {
      ...(flags.replay === undefined ? {} : { replay: resolve(io.cwd, flags.replay) }),
      ...(flags.fork ? { fork: true } : {}),
      ...(flags.forkAt === undefined ? {} : { forkAt: flags.forkAt }),
      ...(flags.script === undefined ? {} : { script: resolve(io.cwd, flags.script) }),
    },
    live,
  );
  // A strict replay answers the prompts the session recorded as it was answered then.
  const replayed = flags.replay === undefined || flags.fork || flags.forkAt !== undefined ? undefined : await replayAnswers(resolve(io.cwd, flags.replay));
  const params = flags.param.map(parseParam);
  let notice: string | undefined;
  if (params.length > 0) {
    // `--param`s a recording never saw: say which answers the run gets instead.
    const replay = {
      ...(flags.replay === undefined ? {} : { replay: resolve(io.cwd, flags.replay) }),
      ...(flags.fork ? { fork: true } : {}),
      ...(flags.forkAt === undefined ? {} : { forkAt: flags.forkAt }),
      ...(flags.script === undefined ? {} : { script: resolve(io.cwd, flags.script) }),
    };
    notice = paramNotice(params, await answerSource(loaded.dir, loaded.chart.id, replay, live !== undefined, io.cwd));
  }
  const workDir = flags.workDir === undefined ? undefined : prepareWorkDir(resolve(io.cwd, flags.workDir));
  if (flags.resume && !storeSpec) refuseLiveSession(flags.resume, io.cwd);
  // Said before the run starts, so it is never missed: nothing of this session outlives the process.
  if (storeSpec?.kind === "memory")
    io.stderr.write("store: memory (the session lives in this process only and is gone when it exits; nothing is written to .escapement)\n");
  // Connected before anything starts: an unreachable or unusable store is one line and exit 2.
  const store = storeSpec === undefined ? undefined : await openStore(storeSpec, { root: defaultSessionsRoot(io.cwd), cwd: io.cwd });
  // Before the frontend: a missing SDK package is bad input, said before anything starts. What the
  // SDK reports goes to stderr until the run's log exists (a terminal UI owns the screen after).
  let otelWarn = (message: string): void => void io.stderr.write(`${message}\n`);
  const otel = flags.otel
    ? await (await import("../otel-export.js")).startOtelExport({ env: io.env, serviceVersion: version, warn: (message) => otelWarn(message) })
    : undefined;
  const frontend = await openFrontend(
    {
      kind: flags.frontend,
      debug: flags.debug ?? false,
      logLevel: flags.logLevel,
      ...(flags.listen ? { listen: flags.listen } : {}),
      ...(flags.web ? { web: flags.web } : {}),
      ...(flags.waitForRendererMs === undefined ? {} : { waitForRendererMs: flags.waitForRendererMs }),
      ...(flags.lingerMs === undefined ? {} : { lingerMs: flags.lingerMs }),
      ...(flags.agUi ? { remoteAnswers: true } : {}),
      ...(store ? { store } : {}),
    },
    io,
  );
  const pid = io.pid ?? process.pid;
  let sessionDir: string | undefined;
  const log = frontend.log;
  let agUi: AgUiTap | undefined;
  if (flags.agUi) {
    try {
      agUi = await openAgUiTap(flags.agUi, log, frontend.answers);
    } catch (error) {
      await frontend.close();
      throw error;
    }
    io.stderr.write(`ag-ui: ${agUi.url}\n`);
  }
  otelWarn = (message) => log.warn(message);
  log.debug("model source", { source });
  io.stderr.write(`model: ${source}\n`);
  if (notice) io.stderr.write(`${notice}\n`);
  if (replayed && replayed.size > 0)
    io.stderr.write(`human: the recorded answers of ${flags.replay} (${replayed.size} prompt${replayed.size === 1 ? "" : "s"})\n`);
  let result: RunResult;
  let mcp: McpRunTools | undefined;
  let inspector: InspectServer | undefined;
  try {
    if (flags.inspect) {
      inspector = await startInspectServer({ address: flags.inspect, token: randomBytes(16).toString("hex") }).catch((error: Error) => {
        throw new UsageError(error.message);
      });
      io.stderr.write(`inspect: ${inspector.url} (the page loads the inspector UI from ${inspectorUi}: the browser needs internet access, the run does not)\n`);
    }
    // MCP servers of .escapement.json: one that fails to start is logged (stderr until the run starts)
    // and recorded in the transcript (startRows), not fatal.
    mcp = await connectRunTools(project.config.mcpServers, loaded.chart.tools ?? [], {
      log,
      signal: frontend.signal,
      env: io.env,
      baseDir: project.path === undefined ? io.cwd : dirname(project.path),
      clientInfo: { name: "escapement", version },
    });
    result = await runChart({
      chart: loaded.chart,
      chartModule: loaded.modulePath,
      model,
      ...(replayOf ? { forkedFrom: replayOf } : {}),
      human: replayed && replayed.size > 0 ? new RecordedHuman(replayed, frontend.human) : frontend.human,
      debug: frontend.debug,
      ...(frontend.steering ? { steering: frontend.steering } : {}),
      onStart: (info) => {
        sessionDir = info.sessionDir;
        // While the run is live, `delete` refuses the session (and another `--resume` of it).
        if (!store) writeLiveLock(info.sessionDir, { pid, since: Date.now() });
        frontend.onStart(info);
        agUi?.onStart(info.sessionDir);
      },
      ...(frontend.untilReady ? { untilReady: frontend.untilReady } : {}),
      cwd: io.cwd,
      log,
      ...(input === undefined ? {} : { input }),
      ...(flags.resume ? { resume: flags.resume } : {}),
      ...(flags.sessionDir ? { sessionDir: flags.sessionDir } : {}),
      ...(store ? { store } : {}),
      ...(workDir === undefined ? {} : { workDir }),
      ...permissionOptions({
        config: project.config,
        configLabel: project.path === undefined ? CONFIG_FILE_NAME : displayPath(project.path, io.cwd),
        baseDir: project.path === undefined ? io.cwd : dirname(project.path),
        ...(io.env["HOME"] ? { homeDir: io.env["HOME"] } : {}),
        env: io.env,
        ...(flags.sandbox ? { sandbox: flags.sandbox } : {}),
      }),
      ...(flags.loopThreshold === undefined ? {} : { loopThreshold: flags.loopThreshold === 0 ? false : flags.loopThreshold }),
      signal: frontend.signal,
      taps: agUi ? [...frontend.taps, agUi.tap] : frontend.taps,
      ...(agUi ? { onContext: agUi.onContext } : {}),
      ...(mcp.registry ? { tools: mcp.registry } : {}),
      startRows: mcp.startRows,
      ...(inspector ? { inspect: inspector.inspect } : {}),
      ...(otel ? { tracerProvider: otel.tracerProvider } : {}),
      secrets,
    });
  } finally {
    await inspector?.close();
    // The run no longer writes the session: release it before anything that may wait or fail.
    if (sessionDir && !store) removeLiveLock(sessionDir, pid);
    // AG-UI clients get the end of the stream now, not once the terminal UI is quit.
    await agUi?.close();
    await mcp?.close();
    await frontend.close();
    // A Postgres store's connections; the session is written (the result settled after it was).
    await store?.close();
    // The spans still batched go out before the command returns (and the process exits).
    await otel?.shutdown();
  }
  io.stdout.write(
    `${scrubber.scrubJsonText(JSON.stringify({ sessionId: result.sessionId, status: result.status, finalConfig: result.finalConfig, sessionDir: result.sessionDir, ...(result.error ? { error: result.error } : {}) }))}\n`,
  );
  if (result.error?.category === "loop-detected") return exitCodes.loopDetected;
  return result.status === "done" ? exitCodes.ok : result.status === "aborted" ? exitCodes.aborted : exitCodes.runFailed;
}

/**
 * `--store`: the store a value names, or undefined for the disk store (the default). A session of
 * another store has no directory: `--session-dir` is refused up front, and `--resume` from memory
 * (a memory session is gone with the process that ran it). The terminal UI and wire renderers read
 * such a session through its store (run-frontend.ts).
 */
function storeFlagSpec(flags: RunFlags): StoreSpec | undefined {
  const spec = parseStoreSpec(flags.store!);
  if (spec.kind === "disk") return undefined;
  const what = spec.kind === "memory" ? "--store memory" : "--store postgres://";
  if (flags.resume && spec.kind === "memory") {
    throw new UsageError(`--store memory: a memory session is gone when the process that ran it exits; nothing to resume (resume from disk or postgres://)`);
  }
  if (flags.sessionDir) throw new UsageError(`${what} writes no session directory; drop --session-dir`);
  return spec;
}

/**
 * `--work-dir`: made when missing, parents too (as `--session-dir` is); one that cannot be made
 * (a read-only or missing parent, a file in the way) stops the run before a session is created.
 */
function prepareWorkDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const fault = fsFaultOf(error);
    if (!fault) throw error;
    throw new UsageError(`--work-dir ${dir}: ${describeFsFault(fault)}`);
  }
  return dir;
}

/** `--resume` of a session another process is running now would write the same files at once. */
function refuseLiveSession(target: string, cwd: string): void {
  const dir = locateSession(target, defaultSessionsRoot(cwd), cwd);
  const live = liveRunOf(dir);
  if (live)
    throw new UsageError(`session ${target} is being run by process ${live.pid} (see ${join(dir, LIVE_LOCK_FILE)}); wait for it to end, or stop it first`);
}

/** The chart module a stored session records (`--resume <id> --store postgres://...` without <chart>). */
async function chartOfStoredSession(spec: StoreSpec, target: string, cwd: string): Promise<string> {
  const store = await openStore(spec, { root: defaultSessionsRoot(cwd), cwd });
  try {
    const manifest = await store.manifest(await store.locate(target));
    if (!manifest.chartModule) throw new UsageError(`session ${target} does not record its chart module; pass <chart>`);
    return manifest.chartModule;
  } finally {
    await store.close();
  }
}

function chartOfSession(target: string, cwd: string): string {
  const { manifest } = openSessionDir(locateSession(target, defaultSessionsRoot(cwd), cwd));
  if (!manifest.chartModule) throw new UsageError(`session ${target} does not record its chart module; pass <chart>`);
  return manifest.chartModule;
}
