import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repo, runCli, scratch } from "../examples/harness.js";

const fixture = (name: string): string => join(repo, "core/test/sim/fixtures", name);

describe("escapement sim", () => {
  it("explores a chart that holds: coverage on stdout, exit 0", async () => {
    const cwd = scratch("sim-ok");
    const run = await runCli(["sim", join(repo, "examples/hello"), "--runs", "12", "--seed", "4"], { cwd });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^chart hello: 12 simulated runs from seed 4 in [\d.]+ s: 12 done\n/);
    expect(run.stdout).toContain("states reached: 2/2 (100%)\ntransitions taken: 1/1 (100%)\nno failures\n");
    // Exploration runs leave no session behind.
    expect(existsSync(join(cwd, ".escapement"))).toBe(false);
  });

  it("reports a failure with its seed and events, exit 1, and keeps its shrunk run as a session `open` replays", async () => {
    const cwd = scratch("sim-fail");
    const run = await runCli(["sim", fixture("counter"), "--runs", "20", "--seed", "1"], { cwd });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/\n {2}never reached: audit\n/);
    expect(run.stdout).toMatch(
      /\nfailures: 1\n {2}1\. invariant: invariant "at most 6" broken after count\.up: count is \d+\n {5}seed \d+ \(\d+ runs? failed this way\)/,
    );
    const session = /\n {5}session: (\S+)\n/.exec(run.stdout)?.[1];
    expect(session).toBeDefined();
    expect(session!.startsWith(join(cwd, ".escapement"))).toBe(true);
    const opened = await runCli(["open", session!, "--emit-wire"], { cwd });
    expect(opened.code).toBe(0);
    expect(opened.stdout).toContain('"count.up"');
  });

  it("reproduces one run from its seed and keeps its session", async () => {
    const cwd = scratch("sim-one");
    const first = await runCli(["sim", fixture("counter"), "--runs", "1", "--seed", "9", "--json", "--no-shrink"], { cwd });
    const again = await runCli(["sim", fixture("counter"), "--runs", "1", "--seed", "9", "--json", "--no-shrink"], { cwd });
    const events = (stdout: string) => (JSON.parse(stdout) as { failures: { events: unknown[] }[]; outcomes: unknown }).outcomes;
    expect(events(again.stdout)).toEqual(events(first.stdout));
    expect(JSON.parse(again.stdout).failures).toEqual(
      JSON.parse(first.stdout).failures.map((failure: object) => ({ ...failure, sessionDir: expect.any(String), sessionId: expect.any(String) })),
    );
  });

  it("refuses a schema it cannot generate in one line naming the event and the schema path, exit 2", async () => {
    const cwd = scratch("sim-bad");
    const run = await runCli(["sim", fixture("ungenerable"), "--runs", "3"], { cwd });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^escapement: .*ungenerable\/chart\.ts: event "note\.taken": notes\.\*\.text: a refinement .* arbitraries: \{ "note\.taken": \{ "notes\.\*\.text": fc\.… \} \}\n$/,
    );
  });

  it("keeps a single run of examples/ask as a session that opens and replays to the same end, the human's answers included", async () => {
    const cwd = scratch("sim-ask-replay");
    const ends = new Set<string>();
    // Seeds whose runs end differently (sent, discarded, cancelled): each replays to its own end.
    for (const seed of [4, 5, 6, 8]) {
      const simulated = await runCli(["sim", join(repo, "examples/ask"), "--runs", "1", "--seed", String(seed)], { cwd });
      expect(simulated.code).toBe(0);
      const session = /\nsession of seed \d+: (\S+)\n/.exec(simulated.stdout)?.[1];
      expect(session).toBeDefined();
      const recorded = readFileSync(join(session!, "transcript.jsonl"), "utf8");
      const end = /"event":"runner\/done","data":(\{[^\n]*\})\}\n/.exec(recorded)![1]!;
      ends.add(end);
      const opened = await runCli(["open", session!, "--emit-wire"], { cwd });
      expect(opened.code).toBe(0);
      const replayed = await runCli(["run", join(repo, "examples/ask"), "--replay", session!, "--no-tui"], { cwd, input: "" });
      expect(replayed.stderr).toContain(`human: the recorded answers of ${session}`);
      expect(replayed.code).toBe(0);
      expect(JSON.parse(replayed.stdout.trim().split("\n").at(-1)!)).toMatchObject({ status: "done", finalConfig: JSON.parse(end).finalConfig });
    }
    expect(ends.size).toBeGreaterThan(1);
  });
});
