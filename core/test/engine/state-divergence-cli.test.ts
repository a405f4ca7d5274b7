/**
 * `escapement run --replay` of a chart that reaches another state than its recording: exit code 1,
 * the result's error `state-diverged` naming the event and the state, and every difference on stderr.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../../..");
const cli = join(repo, "core/bin/escapement.mjs");
const chart = join(repo, "core/test/engine/fixtures/namer");
const work = mkdtempSync(join(tmpdir(), "escapement-divergence-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [cli, "run", chart, "--no-tui", ...args], { cwd: repo, encoding: "utf8", timeout: 60_000 });

describe("escapement run --replay", () => {
  it("of a run that reaches another state exits 1 with error state-diverged, and prints the differences", { timeout: 120_000 }, () => {
    const recorded = join(work, "recorded");
    const first = run("--session-dir", recorded);
    expect(first.status, first.stderr).toBe(0);

    const same = run("--replay", recorded, "--session-dir", join(work, "same"));
    expect(same.status, same.stderr).toBe(0);

    const other = run("--replay", recorded, "--param", "suffix=!", "--session-dir", join(work, "other"));
    expect(other.status, other.stderr).toBe(1);
    const result = JSON.parse(other.stdout.trim().split("\n").at(-1)!) as { status: string; error: { category: string; message: string } };
    expect(result.status).toBe("error");
    expect(result.error.category).toBe("state-diverged");
    expect(result.error.message).toContain(`after event #1 "name.given" differs from the recording (seq `);
    expect(result.error.message).toContain("now in [done]");
    expect(other.stderr).toContain(`✗ state-diverged: ${result.error.message}`);
    expect(other.stderr).toContain('    context.name: recorded "Ada", now "Ada!"');
    expect(other.stderr).toContain('    context.suffix: recorded "", now "!"');
  });
});
