/**
 * Preloaded by `bun test` (bunfig.toml): the run's temporary files (whatever calls os.tmpdir(), in
 * the test process and in the processes it starts) go into one directory of the run's own,
 * removed when the run ends, so test runs leave nothing behind in the system's.
 */
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "escapement-tui-tests-"));
process.env.TMPDIR = dir;
// A hook of the preload runs once, after every test file.
afterAll(() => rmSync(dir, { recursive: true, force: true }));
