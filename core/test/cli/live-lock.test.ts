import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LIVE_LOCK_FILE, liveRunOf, processIsAlive, removeLiveLock, writeLiveLock } from "../../src/sessions/index.js";
import { parseLiveLock } from "../../src/store/index.js";
import { tempDir } from "../chart/helpers.js";

const sessionDir = () => {
  const dir = join(tempDir("escapement-lock-"), "session");
  mkdirSync(dir, { recursive: true });
  return dir;
};

describe("the live lock", () => {
  it("parses a lock and refuses what is not one", () => {
    expect(parseLiveLock('{"pid":42,"since":7}')).toEqual({ pid: 42, since: 7 });
    expect(parseLiveLock('{"pid":42}')).toEqual({ pid: 42, since: 0 });
    for (const bad of ["", "{", "null", '{"pid":0}', '{"pid":-3}', '{"pid":"42"}', '{"pid":1.5}']) expect(parseLiveLock(bad)).toBeUndefined();
  });

  it("a lock whose process is alive names the live run; a dead one is stale and ignored", () => {
    const dir = sessionDir();
    expect(liveRunOf(dir, () => true)).toBeUndefined();
    writeLiveLock(dir, { pid: 4242, since: 1 });
    expect(liveRunOf(dir, (pid) => pid === 4242)).toEqual({ pid: 4242, since: 1 });
    expect(liveRunOf(dir, () => false)).toBeUndefined();
    writeFileSync(join(dir, LIVE_LOCK_FILE), "torn");
    expect(liveRunOf(dir, () => true)).toBeUndefined();
  });

  it("is removed only by the process that holds it", () => {
    const dir = sessionDir();
    writeLiveLock(dir, { pid: 4242, since: 1 });
    removeLiveLock(dir, 9999);
    expect(JSON.parse(readFileSync(join(dir, LIVE_LOCK_FILE), "utf8"))).toEqual({ pid: 4242, since: 1 });
    removeLiveLock(dir, 4242);
    expect(existsSync(join(dir, LIVE_LOCK_FILE))).toBe(false);
    removeLiveLock(join(dir, "gone"), 4242); // never throws
  });

  it("processIsAlive: this process is, a pid past the kernel's limit is not", () => {
    expect(processIsAlive(process.pid)).toBe(true);
    expect(processIsAlive(2 ** 22 + 1)).toBe(false);
  });
});
