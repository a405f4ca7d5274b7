import { defaultSessionsRoot } from "../../runtime/session-dir.js";
import { locateRepairTarget, repairSession } from "../../sessions/repair-session.js";
import type { CliIo } from "../cli-io.js";
import { exitCodes } from "../exit-codes.js";

/**
 * `escapement repair <session>`: makes a session's files consistent again (see repair-session.ts)
 * and prints what it found and did, then what `--resume` will do. A path that is not a session
 * throws a SessionError (exit 2).
 */
export function repairCommand(target: string, io: CliIo): number {
  const dir = locateRepairTarget(target, defaultSessionsRoot(io.cwd), io.cwd);
  const report = repairSession(dir);
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(report.changed ? `repaired session ${report.sessionId} (${dir})` : `session ${report.sessionId} (${dir}) is consistent; nothing changed`);
  for (const action of report.actions) out(`  ${action}`);
  if (report.asideDir) out(`  everything cut or replaced was kept in ${report.asideDir}`);
  if (report.blocker) out(`resume: not possible: ${report.blocker}`);
  else if (report.resumeFrom) out(`resume: \`escapement run --resume ${dir}\` continues from seq ${report.resumeFrom.seq}`);
  else out(`resume: \`escapement run --resume ${dir}\` starts the chart over (no rows kept)`);
  return exitCodes.ok;
}
