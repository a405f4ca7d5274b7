import { emitWire, validateSessionDir, type Timing } from "../../replay/index.js";
import { sessionPaths } from "../../runtime/session-dir.js";
import type { CliIo } from "../cli-io.js";
import { UsageError } from "../../runtime/usage-error.js";
import { exitCodes } from "../exit-codes.js";

export interface OpenFlags {
  timing: Timing["mode"];
  speed: number;
  intervalMs: number;
  capMs: number;
  emitWire: boolean;
}

export const timingOf = (flags: Pick<OpenFlags, "timing" | "speed" | "intervalMs" | "capMs">): Timing =>
  flags.timing === "paced"
    ? { mode: "paced", intervalMs: flags.intervalMs }
    : flags.timing === "wallclock"
      ? { mode: "wallclock", speed: flags.speed, capMs: flags.capMs }
      : { mode: "instant" };

/**
 * `escapement open <session>` (a session id or directory): replays a saved session read-only.
 * With `--emit-wire` the wire JSONL goes to stdout (no TTY needed); otherwise the terminal UI
 * shows it, which needs a TTY.
 */
export async function openCommand(
  arg: string | undefined,
  flags: OpenFlags,
  io: CliIo,
  showInTui?: (dir: string, timing: Timing) => Promise<number>,
): Promise<number> {
  const dir = validateSessionDir(arg, io.cwd);
  const timing = timingOf(flags);
  if (!flags.emitWire) {
    if (!io.stdoutIsTty) throw new UsageError("escapement open needs a terminal to show the session; use --emit-wire to write the wire JSONL to stdout");
    if (!showInTui) throw new UsageError("the terminal UI is not available in this build; use --emit-wire");
    return showInTui(dir, timing);
  }
  let skipped = 0;
  await emitWire(sessionPaths(dir).transcript, timing, io.stdout, { onSkip: () => skipped++ });
  if (skipped > 0) io.stderr.write(`notice: ${skipped} unreadable transcript line(s) skipped\n`);
  return exitCodes.ok;
}
