/**
 * The command line as commander parses it: every command declared, its flags checked, its action
 * run. main.ts loads this for any command line but the one it recognizes itself (open-argv.ts).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { SandboxMode } from "../permissions/index.js";
import { logLevels, type LogLevel } from "../runtime/logger.js";
import type { CliIo } from "./cli-io.js";
import type { OpenFlags } from "./commands/open.js";
import type { RefineFlags } from "./commands/refine.js";
import { timingModes } from "../replay/playback.js";
import { exitCodes } from "./exit-codes.js";
import { version } from "./version.js";
import { DEFAULT_LISTEN, parseAgUi, parseInspect, parseListen, parseWeb, type ListenAddress } from "./listen-address.js";
import { DEFAULT_RENDERER_WAIT_MS } from "./renderer-wait.js";
import { OPEN_DEFAULTS } from "./open-argv.js";

// Command modules load inside their actions: a command pays only for what it uses (`open` never
// loads the runner, the model providers or the MCP client), so the CLI starts quickly.

/** Commands defined here; any other first argument (a session command, help, an option) needs them all. */
const ownCommands = new Set(["run", "sim", "info", "open", "refine", "repair", "submit", "worker", "answer", "attach"]);

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const positiveInt =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a whole number of at least 1, got "${value}"`);
    return n;
  };

const positiveNumber =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive number, got "${value}"`);
    return n;
  };

/** Seconds (0 or more, fractions allowed) as milliseconds. */
const secondsMs =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} takes seconds (0 or more), got "${value}"`);
    return Math.round(n * 1000);
  };

const nonNegativeInt =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a whole number (0 or more), got "${value}"`);
    return n;
  };

/** A job queue's heartbeat: whole seconds, at least 10 (pg-boss' bound). */
const heartbeatSeconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 10) throw new InvalidArgumentError(`--heartbeat must be a whole number of seconds, at least 10, got "${value}"`);
  return n;
};

const milliseconds =
  (flag: string) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} takes whole milliseconds (0 or more), got "${value}"`);
    return n;
  };

/**
 * Parses argv, runs one command, returns the exit code; a usage error commander reports itself
 * (the exit code says it). Anything else a command throws is main.ts's to report.
 */
export async function runProgram(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = exitCodes.ok;
  // A replay's first frame is waited for: `open` starts loading its module while the commands are declared.
  const opening = argv[0] === "open" ? import("./commands/open.js") : undefined;
  // Awaited by the action; a run that never gets there (`open --help`) leaves no rejection behind.
  opening?.catch(() => {});
  const program = new Command("escapement")
    .description("Run LLM agent workflows as statecharts.")
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError("(run escapement --help for usage)");

  program
    .command("run")
    .description("run a chart module (a .ts file or a directory with chart.ts)")
    .argument("[chart]", "chart module or directory")
    .option("--param <key=value>", "chart input value (repeatable; JSON values allowed)", collect, [])
    .option("--input <file>", "chart input from a JSON file")
    .option("--tui <kind>", "show the run in a terminal UI: opentui (the default when stdout is a terminal)")
    .option("--no-tui", "run headless: progress on stderr, prompts on stdin (or over the wire with --listen)")
    .option(
      "--listen [host:port]",
      "serve the wire protocol there for other renderers (default 127.0.0.1, any free port); writes <session>/wire.json",
      parseListen,
    )
    .option("--no-spawn", "start the wire server but not the terminal UI (attach one yourself; see <session>/wire.json)")
    .option(
      "--web [host:port]",
      "show the run in a browser: serve the page and the wire there (default 127.0.0.1, any free port) and print its URL; no terminal UI",
      parseWeb,
    )
    .option(
      "--inspect [host:port]",
      "show the chart's actors in the Stately inspector: serve its page there (default 127.0.0.1, any free port) and print the URL; the browser loads the inspector UI from stately.ai",
      parseInspect,
    )
    .option(
      "--ag-ui [host:port]",
      "serve the run as an AG-UI event stream (server-sent events over HTTP) there (default 127.0.0.1, any free port) and print its URL",
      parseAgUi,
    )
    .option("--debug", "start paused: the first external event waits for step/continue from a renderer")
    .option(
      "--wait-for-renderer [seconds]",
      "with --listen/--no-spawn: start the chart only once a renderer has attached, waiting at most this long (default 10; 0: no limit)",
      secondsMs("--wait-for-renderer"),
    )
    .option(
      "--linger <seconds>",
      "after the run, keep the wire server up while renderers are attached, at most this long (default 3; 0: none)",
      secondsMs("--linger"),
    )
    .option("--resume <session>", "resume a crashed session (id or directory; with --store postgres://..., its id there)")
    .option("--session-dir <dir>", "write the session here instead of .escapement/<id>")
    .option(
      "--store <store>",
      "where the session lives: disk (default: .escapement/<id>), memory (this process only: the session is gone at exit), or a postgres:// URL",
    )
    .option(
      "--work-dir <dir>",
      "the work root: tools resolve relative paths against it and by default touch nothing outside it (default: the current directory)",
    )
    .addOption(
      new Option(
        "--sandbox <mode>",
        "shell sandbox: auto (bubblewrap when it works here), required (refuse to start without it), off (default: the config's, else auto)",
      ).choices(["auto", "required", "off"]),
    )
    .option("--replay <session-or-cassette>", "serve model calls from a recorded cassette (strict: a miss stops the run)")
    .option("--fork", "with --replay: go live at the first miss, recording into the new session")
    .option("--script <file>", "answer model calls from a script file (no model calls, no cost)")
    .option("--fork-at <call>", "with --replay: go live from this call position", positiveInt("--fork-at"))
    .option("--loop-threshold <n>", "stop after this many identical model requests (0 turns the guard off)", nonNegativeInt("--loop-threshold"), 10)
    .option("--otel", "send OpenTelemetry spans (the run, each conversation turn, each tool call) over OTLP/HTTP, as the OTEL_EXPORTER_OTLP_* variables say")
    .addOption(new Option("--log-level <level>", "log verbosity").choices(logLevels).default("warn"))
    .action(async (chart: string | undefined, options: Record<string, unknown>) => {
      const [{ runCommand }, { frontendKind }] = await Promise.all([import("./commands/run.js"), import("./run-frontend.js")]);
      code = await runCommand(
        chart,
        {
          param: options.param as string[],
          ...(options.input ? { input: options.input as string } : {}),
          frontend: frontendKind({
            tui: options.tui as string | boolean | undefined,
            spawn: options.spawn as boolean,
            listen: options.listen !== undefined,
            stdoutIsTty: io.stdoutIsTty,
            web: options.web !== undefined,
          }),
          ...(options.listen === undefined ? {} : { listen: options.listen === true ? DEFAULT_LISTEN : (options.listen as ListenAddress) }),
          ...(options.web === undefined ? {} : { web: options.web === true ? DEFAULT_LISTEN : (options.web as ListenAddress) }),
          ...(options.inspect === undefined ? {} : { inspect: options.inspect === true ? DEFAULT_LISTEN : (options.inspect as ListenAddress) }),
          ...(options.agUi === undefined ? {} : { agUi: options.agUi === true ? DEFAULT_LISTEN : (options.agUi as ListenAddress) }),
          ...(options.debug ? { debug: true } : {}),
          ...(options.waitForRenderer === undefined
            ? {}
            : { waitForRendererMs: options.waitForRenderer === true ? DEFAULT_RENDERER_WAIT_MS : (options.waitForRenderer as number) }),
          ...(options.linger === undefined ? {} : { lingerMs: options.linger as number }),
          ...(options.resume ? { resume: options.resume as string } : {}),
          ...(options.sessionDir ? { sessionDir: options.sessionDir as string } : {}),
          ...(options.store ? { store: options.store as string } : {}),
          ...(options.workDir ? { workDir: options.workDir as string } : {}),
          ...(options.sandbox ? { sandbox: options.sandbox as SandboxMode } : {}),
          ...(options.replay ? { replay: options.replay as string } : {}),
          ...(options.fork ? { fork: true } : {}),
          ...(options.script ? { script: options.script as string } : {}),
          ...(options.forkAt === undefined ? {} : { forkAt: options.forkAt as number }),
          loopThreshold: options.loopThreshold as number,
          ...(options.otel ? { otel: true } : {}),
          logLevel: options.logLevel as LogLevel,
        },
        io,
      );
    });

  program
    .command("sim")
    .description("simulate a chart: a seeded model and human choose among its legal events (no model calls); report coverage and failures")
    .argument("[chart]", "chart module or directory")
    .option("--runs <n>", "simulated runs to make", positiveInt("--runs"), 100)
    .option("--time <seconds>", "stop starting runs after this long", secondsMs("--time"))
    .option("--seed <n>", "seed of the first run; run i has seed + i (default: from the clock, printed)", nonNegativeInt("--seed"))
    .option("--concurrency <n>", "runs at once (default 8)", positiveInt("--concurrency"))
    .option("--param <key=value>", "chart input value (repeatable; JSON values allowed)", collect, [])
    .option("--input <file>", "chart input from a JSON file")
    .option("--tool <name>", "a real tool the simulated model may call too (repeatable)", collect, [])
    .option("--replies", "let the model reply without a tool call even when tools are offered")
    .option(
      "--cancel-weight <n>",
      "how often the human cancels a prompt: weight against an answer's 9 (default 1; 0: never)",
      nonNegativeInt("--cancel-weight"),
    )
    .option(
      "--illegal-weight <n>",
      "how often the model sends an event the chart would refuse (a failing guard): weight against a redraw's 19 (default 1; 0: never)",
      nonNegativeInt("--illegal-weight"),
    )
    .option(
      "--late-weight <n>",
      "how often the model answers only after a pending timer fired (a timeout beside a conversation): weight against answering in time's 9 (default 1; 0: never)",
      nonNegativeInt("--late-weight"),
    )
    .option("--max-events <n>", "a run with more events is reported as too long (default 500)", positiveInt("--max-events"))
    .option("--no-shrink", "report failures as found, without shrinking them")
    .option("--shrink-runs <n>", "runs the shrinker may make per failure (default 200)", positiveInt("--shrink-runs"))
    .option("--no-keep", "keep no session (default: each failure's shrunk run, and with --runs 1 the run, in .escapement/)")
    .option("--json", "print the report as one JSON document")
    .action(async (chart: string | undefined, options: Record<string, unknown>) => {
      const { simCommand } = await import("./commands/sim.js");
      code = await simCommand(
        chart,
        {
          runs: options.runs as number,
          ...(options.time === undefined ? {} : { timeMs: options.time as number }),
          ...(options.seed === undefined ? {} : { seed: options.seed as number }),
          ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency as number }),
          param: options.param as string[],
          ...(options.input ? { input: options.input as string } : {}),
          tools: options.tool as string[],
          ...(options.replies ? { replies: true } : {}),
          ...(options.cancelWeight === undefined ? {} : { cancelWeight: options.cancelWeight as number }),
          ...(options.illegalWeight === undefined ? {} : { illegalWeight: options.illegalWeight as number }),
          ...(options.lateWeight === undefined ? {} : { lateWeight: options.lateWeight as number }),
          ...(options.maxEvents === undefined ? {} : { maxEvents: options.maxEvents as number }),
          shrink: options.shrink as boolean,
          ...(options.shrinkRuns === undefined ? {} : { shrinkRuns: options.shrinkRuns as number }),
          keep: options.keep as boolean,
          ...(options.json ? { json: true } : {}),
        },
        io,
      );
    });

  program
    .command("submit")
    .description("enqueue a run for the workers of a Postgres store; prints the session id it will write")
    .argument("<chart>", "chart module or directory (its absolute path must name the chart on the workers' machines)")
    .requiredOption("--store <url>", "the Postgres store (postgres://…) whose job queue the workers take runs from")
    .option("--param <key=value>", "chart input value (repeatable; JSON values allowed)", collect, [])
    .option("--input <file>", "chart input from a JSON file")
    .option(
      "--heartbeat <seconds>",
      "a run whose worker goes this long without a heartbeat is resumed on another worker (default 30; at least 10)",
      heartbeatSeconds,
    )
    .option(
      "--work-dir <dir>",
      "the directory the run works in on the worker's machine (absolute; made when missing, kept after the run; wins over the worker's --work-root)",
    )
    .action(async (chart: string, options: Record<string, unknown>) => {
      const { submitCommand } = await import("./commands/queue.js");
      code = await submitCommand(
        chart,
        {
          store: options.store as string,
          param: options.param as string[],
          ...(options.input ? { input: options.input as string } : {}),
          ...(options.heartbeat === undefined ? {} : { heartbeat: options.heartbeat as number }),
          ...(options.workDir === undefined ? {} : { workDir: options.workDir as string }),
        },
        io,
      );
    });

  program
    .command("worker")
    .description("take runs from the job queue of a Postgres store and run them, until SIGINT or SIGTERM")
    .requiredOption("--store <url>", "the Postgres store (postgres://…): runs are taken from its queue and written there")
    .option("--concurrency <n>", "runs at once (default 1)", positiveInt("--concurrency"))
    .option("--charts <module>", "run only this chart module or directory (repeatable; default any chart a job names)", collect, [])
    .option("--heartbeat <seconds>", "the queue's heartbeat, when this worker makes the queue (default 30; at least 10)", heartbeatSeconds)
    .option("--park-after <ms>", "park a session that waits this long on prompts alone (default 5000)", milliseconds("--park-after"))
    .option(
      "--park-timer <ms>",
      "park a session whose next timer is due further off than this, with nothing else pending (default 30000)",
      milliseconds("--park-timer"),
    )
    .option("--no-park", "never park: runs wait for their answers and timers on this worker")
    .option(
      "--work-root <dir>",
      "each session works in <dir>/<session id>, made before its run and kept after it (default: every run works in the current directory)",
    )
    .action(async (options: Record<string, unknown>) => {
      const { workerCommand } = await import("./commands/queue.js");
      code = await workerCommand(
        {
          store: options.store as string,
          charts: options.charts as string[],
          ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency as number }),
          ...(options.heartbeat === undefined ? {} : { heartbeat: options.heartbeat as number }),
          ...(options.parkAfter === undefined ? {} : { parkAfterMs: options.parkAfter as number }),
          ...(options.parkTimer === undefined ? {} : { parkTimerMs: options.parkTimer as number }),
          ...(options.park === false ? { parkAfterMs: false as const } : {}),
          ...(options.workRoot === undefined ? {} : { workRoot: options.workRoot as string }),
        },
        io,
      );
    });

  program
    .command("answer")
    .description("answer a session's waiting prompt through its store's inbox; wakes the session when it is parked")
    .argument("<session>", "session id")
    .argument("[answer]", "the answer as JSON (a word that is not JSON is taken as text)")
    .requiredOption("--store <url>", "the store the session lives in (postgres://…, or memory inside a host)")
    .option("--prompt <id>", "the prompt to answer (default: the session's one waiting prompt)")
    .option("--cancel", "cancel the prompt instead of answering it")
    .action(async (session: string, answer: string | undefined, options: Record<string, unknown>) => {
      const { answerCommand } = await import("./commands/answer.js");
      code = await answerCommand(
        session,
        answer,
        {
          store: options.store as string,
          ...(options.prompt === undefined ? {} : { prompt: options.prompt as string }),
          ...(options.cancel === true ? { cancel: true } : {}),
        },
        io,
      );
    });

  program
    .command("attach")
    .description("follow a session whose run goes on elsewhere (a worker): show it live, answer its prompts, drive its debugger; quitting leaves the run alone")
    .argument("<session>", "session id")
    .requiredOption("--store <url>", "the store the run writes: a postgres:// URL (a disk store works too, without answers or debugger control)")
    .option("--no-tui", "follow headless: the run's progress lines on stderr (or serve it with --listen)")
    .option(
      "--listen [host:port]",
      "serve the session there for other renderers, as a live run's wire (default 127.0.0.1, any free port); prints its URL and token on stdout",
      parseListen,
    )
    .option("--no-spawn", "serve the session over the wire without the terminal UI (URL and token on stdout)")
    .option("--poll <seconds>", "read the store this often when it says nothing changed (default 1)", secondsMs("--poll"))
    .option(
      "--linger <seconds>",
      "served: after the run, keep the server up while renderers are attached, at most this long (default 3)",
      secondsMs("--linger"),
    )
    .action(async (session: string, options: Record<string, unknown>) => {
      const { attachCommand } = await import("./commands/attach.js");
      code = await attachCommand(
        session,
        {
          store: options.store as string,
          spawn: options.spawn as boolean,
          tui: options.tui as boolean,
          ...(options.listen === undefined ? {} : { listen: options.listen === true ? DEFAULT_LISTEN : (options.listen as ListenAddress) }),
          ...(options.poll === undefined ? {} : { pollMs: Math.max(10, options.poll as number) }),
          ...(options.linger === undefined ? {} : { lingerMs: options.linger as number }),
        },
        io,
      );
    });

  program
    .command("info")
    .description("show version, sessions location, tools and providers (never secrets)")
    .option("--json", "print one JSON document (docs/guide.md)")
    .action(async (options: { json?: boolean }) => {
      const { infoCommand } = await import("./commands/info.js");
      code = infoCommand(io, options.json ? { json: true } : {});
    });

  program
    .command("open")
    .description("replay a saved session read-only (no agent run, no model calls)")
    .argument("[session]", "session id or directory")
    .addOption(
      new Option("--timing <mode>", "instant: all at once; paced: one frame per interval; wallclock: the recorded gaps")
        .choices(timingModes)
        .default(OPEN_DEFAULTS.timing),
    )
    .option("--speed <n>", "wallclock: play this many times faster", positiveNumber("--speed"), OPEN_DEFAULTS.speed)
    .option("--interval <ms>", "paced: milliseconds between frames", positiveNumber("--interval"), OPEN_DEFAULTS.intervalMs)
    .option("--cap <ms>", "wallclock: longest wait between frames", positiveNumber("--cap"), OPEN_DEFAULTS.capMs)
    .option("--emit-wire", "write the wire JSONL to stdout instead of showing it (no TTY needed)")
    .option(
      "--listen [host:port]",
      "serve the replay there for other renderers (default 127.0.0.1, any free port); prints its URL and token on stdout",
      parseListen,
    )
    .option("--no-spawn", "serve the replay over the wire without the terminal UI (no TTY needed; URL and token on stdout)")
    .option(
      "--wait-for-renderer [seconds]",
      "with --no-spawn: wait at most this long for the first renderer, then exit 1 (default: no limit)",
      secondsMs("--wait-for-renderer"),
    )
    .option(
      "--linger <seconds>",
      "with --no-spawn: once no renderer is attached, wait this long for one to come back before exiting (default 3)",
      secondsMs("--linger"),
    )
    .option("--web [host:port]", "show it in a browser: serve the page and the replay there and print its URL, until Ctrl-C", parseWeb)
    .option("--store <store>", "where the session lives: disk (default: .escapement/) or a postgres:// URL (the session is copied out to replay it)")
    .action(async (dir: string | undefined, options: Record<string, unknown>) => {
      const { openCommand } = await (opening ?? import("./commands/open.js"));
      code = await openCommand(
        dir,
        {
          timing: options.timing as OpenFlags["timing"],
          speed: options.speed as number,
          intervalMs: options.interval as number,
          capMs: options.cap as number,
          emitWire: Boolean(options.emitWire),
          spawn: options.spawn as boolean,
          ...(options.listen === undefined ? {} : { listen: options.listen === true ? DEFAULT_LISTEN : (options.listen as ListenAddress) }),
          ...(options.waitForRenderer === undefined ? {} : { waitForRendererMs: options.waitForRenderer === true ? 0 : (options.waitForRenderer as number) }),
          ...(options.linger === undefined ? {} : { lingerMs: options.linger as number }),
          ...(options.web === undefined ? {} : { web: options.web === true ? DEFAULT_LISTEN : (options.web as ListenAddress) }),
          ...(options.store === undefined ? {} : { store: options.store as string }),
        },
        io,
        async (dir, timing, listen) => (await import("./commands/open-tui.js")).openInTui(dir, timing, io, listen),
        async (dir, timing, address) => (await import("./commands/open-web.js")).openInBrowser(dir, timing, address, io),
      );
    });

  program
    .command("refine")
    .description("re-issue one captured turn with overrides and print the response next to the original")
    .argument("<session>", "session id or directory")
    .requiredOption("--turn <state/visit/turn>", "which turn, e.g. drafting/1/2")
    .option("--system <text>", "replace the system prompt")
    .option("--model <alias>", "use another model alias")
    .option("--temperature <t>", "sampling temperature", (value: string) => {
      const t = Number(value);
      if (!Number.isFinite(t) || t < 0 || t > 2) throw new InvalidArgumentError(`--temperature must be a number from 0 to 2, got "${value}"`);
      return t;
    })
    .action(async (session: string, options: RefineFlags) => {
      const [{ refineCommand }, { loadLiveModelWithMiddleware }, { locateSession }, { defaultSessionsRoot }] = await Promise.all([
        import("./commands/refine.js"),
        import("../loader/live-model.js"),
        import("../runtime/session-dir.js"),
        import("../runtime/session-dir.js"),
      ]);
      const dir = locateSession(session, defaultSessionsRoot(io.cwd), io.cwd);
      // The run's model, middleware included: the turn is asked again as the run asked it.
      code = await refineCommand(dir, options, io, await loadLiveModelWithMiddleware(io.cwd, io.env));
    });

  program
    .command("repair")
    .description("make a damaged session consistent again (torn or edited files) so it can be resumed; moves what it cuts aside")
    .argument("<session>", "session id or directory")
    .action(async (session: string) => {
      const { repairCommand } = await import("./commands/repair.js");
      code = repairCommand(session, io);
    });

  if (!ownCommands.has(argv[0] ?? "")) {
    const { registerSessionCommands } = await import("./commands/sessions.js");
    registerSessionCommands(program, io, (result) => (code = result));
  }

  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return exitCodes.ok;
    return exitCodes.usage;
  }
}
