import { openSessionDir, sessionPaths } from "../../runtime/session-dir.js";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { createLogger, type LogLevel } from "../../runtime/logger.js";
import { runChart, type RunResult } from "../../runtime/runner.js";
import { StdinHuman } from "../../human/stdin-human.js";
import { defaultSessionsRoot } from "../../runtime/session-dir.js";
import { loadChart } from "../load-chart.js";
import { modelForChart } from "../model-for-chart.js";
import { buildInput } from "../parse-params.js";
import { progressLine } from "../progress-printer.js";
import { exitCodes, UsageError } from "../usage-error.js";
import type { CliIo } from "../cli-io.js";

export interface RunFlags {
  param: string[];
  input?: string;
  tui: boolean;
  resume?: string;
  sessionDir?: string;
  workDir?: string;
  replay?: string;
  fork?: boolean;
  forkAt?: number;
  loopThreshold?: number;
  logLevel: LogLevel;
}

/** `escapement run <chart>`: runs headless with progress on stderr (the TUI arrives with the sidecar). */
export async function runCommand(chartArg: string | undefined, flags: RunFlags, io: CliIo): Promise<number> {
  let chartPath = chartArg;
  if (flags.resume && !chartPath) chartPath = chartOfSession(flags.resume, io.cwd);
  if (!chartPath) throw new UsageError("missing <chart>: escapement run <chart-module> [options]");
  const loaded = await loadChart(chartPath, io.cwd);
  const input = buildInput(flags.input, flags.param, io.cwd);
  const { model, source } = await modelForChart(loaded.dir, loaded.chart.id, {
    ...(flags.replay === undefined ? {} : { replay: resolve(io.cwd, flags.replay) }),
    ...(flags.fork ? { fork: true } : {}),
    ...(flags.forkAt === undefined ? {} : { forkAt: flags.forkAt }),
  });
  const log = createLogger((line) => io.stderr.write(`${line}\n`), flags.logLevel);
  log.debug("model source", { source });
  if (flags.tui) io.stderr.write("note: the terminal UI is not available in this build; running headless\n");
  const human = new StdinHuman(io.stdin, io.stderr);
  io.stderr.write(`model: ${source}\n`);
  let result: RunResult;
  try {
    result = await runChart({
      chart: loaded.chart,
      chartModule: loaded.modulePath,
      model,
      human,
      cwd: io.cwd,
      log,
      ...(input === undefined ? {} : { input }),
      ...(flags.resume ? { resume: flags.resume } : {}),
      ...(flags.sessionDir ? { sessionDir: flags.sessionDir } : {}),
      ...(flags.workDir ? { workDir: resolve(io.cwd, flags.workDir) } : {}),
      ...(flags.loopThreshold === undefined ? {} : { loopThreshold: flags.loopThreshold === 0 ? false : flags.loopThreshold }),
      ...(io.signal ? { signal: io.signal } : {}),
      taps: [
        (rows) => {
          for (const row of rows) {
            const line = progressLine(row);
            if (line) io.stderr.write(`${line}\n`);
          }
        },
      ],
    });
  } finally {
    human.close();
  }
  io.stdout.write(`${JSON.stringify({ sessionId: result.sessionId, status: result.status, finalConfig: result.finalConfig, sessionDir: result.sessionDir, ...(result.error ? { error: result.error } : {}) })}\n`);
  if (result.error?.category === "loop-detected") return exitCodes.loopDetected;
  return result.status === "done" ? exitCodes.ok : result.status === "aborted" ? exitCodes.aborted : exitCodes.runFailed;
}

function chartOfSession(target: string, cwd: string): string {
  const byId = join(defaultSessionsRoot(cwd), target);
  const root = existsSync(byId) ? byId : resolve(cwd, target);
  if (!existsSync(sessionPaths(root).manifest)) throw new UsageError(`no session "${target}" to resume`);
  const { manifest } = openSessionDir(root);
  if (!manifest.chartModule) throw new UsageError(`session ${target} does not record its chart module; pass <chart>`);
  return manifest.chartModule;
}
