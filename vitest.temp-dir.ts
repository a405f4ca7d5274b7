/**
 * The global set-up of every vitest config: a run's temporary files (whatever calls os.tmpdir(),
 * in the test processes and in the processes they start) go into one directory of the run's own,
 * removed when the run ends, so test runs leave nothing behind in the system's.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function setup(): () => void {
  const before = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), "escapement-tests-"));
  // As open as /tmp itself: tests run servers as other users (Postgres refuses root), which make
  // their own directories in it.
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
}
