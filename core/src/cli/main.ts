import { SessionError } from "../runtime/session-error.js";
import type { CliIo } from "./cli-io.js";
import { UsageError } from "../runtime/usage-error.js";
import { exitCodes } from "./exit-codes.js";
import { plainEmitWireFlags, plainEmitWireSession } from "./open-argv.js";
import { RunInterruption } from "../engine/run-interruption.js";

/**
 * The abort reason for `CliIo.signal` when the terminal hangs up (SIGHUP): the run stops as on
 * SIGINT, but its session stays resumable (`--resume`).
 */
export const hangUpReason = (): Error => new RunInterruption("the terminal hung up (SIGHUP)");

/** Only checked on the error path, so the config module (zod schemas) loads only when needed. */
const isConfigError = async (error: unknown): Promise<boolean> => error instanceof (await import("../config/index.js")).ConfigError;
/** A run that cannot start on this machine as configured: rules naming no tool, a required sandbox that is missing. */
const isSetupError = async (error: unknown): Promise<boolean> => {
  const [{ PermissionRulesError }, { SandboxUnavailableError }] = await Promise.all([
    import("../permissions/index.js"),
    import("../engine/run-permissions.js"),
  ]);
  return error instanceof PermissionRulesError || error instanceof SandboxUnavailableError;
};

/**
 * One command: `open <session> --emit-wire` as written goes straight to `open` (a replay's first
 * frame waits for neither the command-line parser nor the declarations of every command, a good
 * part of the CLI's start); any other command line goes through the parser (program.ts).
 */
async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const session = plainEmitWireSession(argv);
  if (session === undefined) return (await import("./program.js")).runProgram(argv, io);
  const { openCommand } = await import("./commands/open.js");
  return openCommand(session, plainEmitWireFlags(), io);
}

/** Parses argv, runs one command, returns the exit code. Never calls process.exit. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await runCommand(argv, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof SessionError || (await isConfigError(error)) || (await isSetupError(error))) {
      io.stderr.write(`escapement: ${(error as Error).message}\n`);
      return exitCodes.usage;
    }
    // The machine's fault, not a bug (a read-only or full disk, a path that is a file): one line, no stack.
    const { describeFsFault, fsFaultOf } = await import("../runtime/fs-fault.js");
    const fault = fsFaultOf(error);
    if (fault) {
      io.stderr.write(`escapement: ${describeFsFault(fault)}\n`);
      return exitCodes.usage;
    }
    io.stderr.write(`escapement: ${(error as Error).stack ?? String(error)}\n`);
    return exitCodes.runFailed;
  }
}
