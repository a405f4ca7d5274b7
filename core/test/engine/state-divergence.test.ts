/**
 * Replay and resume compare the chart's state after every event with the recording's (the
 * `stateHash` of `runner/event-processed` rows): a replay whose chart changed an assign is stopped
 * (strict) or warned about (fork) at the first event after which the states differ, with the
 * differences; a resume reports a checkpoint changed by hand; a session recorded before rows
 * carried the hash replays as before.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { assign, setup } from "xstate";
import { z } from "zod";
import { converse, inlineActors } from "../../src/chart/index.js";
import { defineChart, runChart, type ChartDefinition } from "../../src/engine/index.js";
import { RunInterruption } from "../../src/engine/run-interruption.js";
import { CassetteModel, loadCassette } from "../../src/llm/cassette/index.js";
import { scriptedModel, type Script } from "../../src/llm/index.js";
import { createLogger, readAllRows, sequentialIds, type TranscriptRow } from "../../src/runtime/index.js";
import { runScripted, tempDir } from "../chart/helpers.js";
import { run } from "../../src/index.js";

/**
 * Asks for a name, keeps it (with `suffix`: the change a replay is checked against), then asks
 * for a greeting. The prompts do not show the name, so the model's requests are the same whatever
 * the suffix: only the chart's state tells the runs apart.
 */
function namer(suffix = ""): ChartDefinition {
  const machine = setup({ actors: inlineActors, types: { context: {} as { name: string; greeted: number } } }).createMachine({
    id: "namer",
    context: { name: "", greeted: 0 },
    initial: "asking",
    states: {
      asking: {
        invoke: converse({
          id: "asker",
          message: "Name someone.",
          realTools: [],
          allowedEvents: { "name.given": { schema: z.object({ name: z.string() }), description: "the name" } },
        }),
        on: { "name.given": { target: "greeting", actions: assign({ name: ({ event }) => `${event.name}${suffix}` }) } },
      },
      greeting: {
        invoke: converse({
          id: "greeter",
          message: "Greet them.",
          realTools: [],
          allowedEvents: { "greeting.done": { schema: z.object({}), description: "greeted" } },
        }),
        on: { "greeting.done": { target: "done", actions: assign({ greeted: ({ context }) => context.greeted + 1 }) } },
      },
      done: { type: "final" },
    },
  });
  return defineChart({ id: "namer", machine });
}

const nameStep = { events: [{ name: "name_given", payload: { name: "Ada" } }] };
const script: Script = [nameStep, { events: [{ name: "greeting_done", payload: {} }] }];

const rowsOf = (rows: readonly TranscriptRow[], event: string) => rows.filter((row) => row.event === event);
const hashes = (rows: readonly TranscriptRow[]) => rowsOf(rows, "runner/event-processed").map((row) => (row.data as { stateHash?: string }).stateHash);
const notices = (rows: readonly TranscriptRow[]) =>
  rowsOf(rows, "runner/notice")
    .map((row) => row.data as Record<string, any>)
    .filter((data) => data.code === "state-diverged");

/** A recorded session of `namer()` on the script. */
async function record(options: { checkpointCompactBytes?: number } = {}): Promise<string> {
  const sessionDir = join(tempDir("escapement-state-"), "recorded");
  const { result } = await runScripted({ chart: namer(), script, sessionDir, ...options });
  expect(result.status).toBe("done");
  return sessionDir;
}

/** `chart` replayed on the recorded session's cassette. */
async function replay(recorded: string, chart: ChartDefinition, mode: "strict" | "fork" = "strict", warnings: string[] = []) {
  const cassette = await loadCassette(recorded, "namer");
  const model = new CassetteModel(cassette, mode === "strict" ? { mode } : { mode, live: scriptedModel([]) });
  const log = createLogger((line) => warnings.push(line), "warn");
  return runScripted({ chart, model, sessionDir: join(dirname(recorded), `replay-${mode}-${Math.random().toString(36).slice(2)}`), log });
}

describe("state hashes", () => {
  it("every runner/event-processed row carries one; a replay of the same chart has the very same and runs to the end", async () => {
    const recorded = await record();
    const recordedRows = await readAllRows(join(recorded, "transcript.jsonl"));
    expect(hashes(recordedRows).length).toBeGreaterThanOrEqual(2);
    for (const hash of hashes(recordedRows)) expect(hash).toMatch(/^[0-9a-f]{16}$/);
    // Different states, different hashes: name given, then greeted.
    expect(new Set(hashes(recordedRows)).size).toBe(hashes(recordedRows).length);

    const { result, rows } = await replay(recorded, namer());
    expect(result.status).toBe("done");
    expect(hashes(rows)).toEqual(hashes(recordedRows));
    expect(notices(rows)).toEqual([]);
  });
});

describe("a replay whose chart changed", () => {
  it("strict: ends with error state-diverged at the first event after which the states differ, with the differences", async () => {
    const recorded = await record();
    const recordedRows = await readAllRows(join(recorded, "transcript.jsonl"));
    const given = rowsOf(recordedRows, "runner/event-processed").findIndex((row) => (row.data as { event: string }).event === "name.given");
    const givenRow = rowsOf(recordedRows, "runner/event-processed")[given]!;

    const { result, rows } = await replay(recorded, namer("!"));
    expect(result.status).toBe("error");
    expect(result.error?.category).toBe("state-diverged");
    const message = result.error!.message;
    expect(message).not.toContain("\n");
    expect(message).toContain(`after event #${given + 1} "name.given"`);
    expect(message).toContain(`seq ${givenRow.seq} of ${join(recorded, "transcript.jsonl")}`);
    expect(message).toContain("now in [greeting]");
    expect(message).toContain('context.name: recorded "Ada", now "Ada!"');
    // The run stopped there: the greeting was never asked for.
    expect(rowsOf(rows, "llm/request").map((row) => (row.data as { invokeId: string }).invokeId)).toEqual(["asker"]);

    const [notice] = notices(rows);
    expect(notice).toMatchObject({
      message,
      eventNumber: given + 1,
      event: "name.given",
      recordedEvent: "name.given",
      recordedSeq: givenRow.seq,
      recordedHash: (givenRow.data as { stateHash: string }).stateHash,
      recordedFrom: "checkpoint",
      differences: ['context.name: recorded "Ada", now "Ada!"'],
    });
    expect(notice!.stateHash).toBe(hashes(rows).at(-1));
    // The notice comes before the error that ends the run.
    const seqOf = (event: string) => rows.find((row) => row.event === event)!.seq;
    expect(seqOf("runner/notice")).toBeLessThan(seqOf("runner/error"));
  });

  it("fork: the divergence is a notice and a warning, and the run goes on", async () => {
    const recorded = await record();
    const warnings: string[] = [];
    const { result, rows } = await replay(recorded, namer("!"), "fork", warnings);
    expect(result.status).toBe("done");
    const found = notices(rows);
    // Only the first divergence is reported: after it the run is where the recording never was.
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ event: "name.given", differences: ['context.name: recorded "Ada", now "Ada!"'] });
    expect(warnings.join("\n")).toContain(found[0]!.message);
  });

  it("when the recording's checkpoints no longer hold the state, the two hashes and the state now are reported", async () => {
    // A journal compacted at every write keeps only the latest state.
    const recorded = await record({ checkpointCompactBytes: 1 });
    const { result, rows } = await replay(recorded, namer("!"));
    expect(result.error?.category).toBe("state-diverged");
    expect(result.error!.message).toContain("only its hash is known");
    const [notice] = notices(rows);
    expect(notice).toMatchObject({ recordedFrom: "hash", now: { value: "greeting", context: { name: "Ada!", greeted: 0 } } });
    expect(notice!.differences).toBeUndefined();
    expect(result.error!.message).toContain(`state ${notice!.stateHash}, recorded ${notice!.recordedHash}`);
  });

  it("run() replaying on a session's cassette ends the same way: error state-diverged", async () => {
    const recorded = await record();
    const outcome = await run({
      chart: namer("!"),
      model: new CassetteModel(await loadCassette(recorded, "namer"), { mode: "strict" }),
      sessionDir: join(dirname(recorded), "run-replay"),
    });
    expect(outcome.status).toBe("error");
    expect(outcome.error).toMatchObject({ category: "state-diverged", message: expect.stringContaining('context.name: recorded "Ada", now "Ada!"') });
  });

  it("a session recorded before rows carried the hash replays as before", async () => {
    const recorded = await record();
    const path = join(recorded, "transcript.jsonl");
    const old = readFileSync(path, "utf8").replace(/,"stateHash":"[0-9a-f]{16}"/g, "");
    expect(old).not.toContain("stateHash");
    writeFileSync(path, old);
    const { result, rows } = await replay(recorded, namer("!"));
    expect(result.status).toBe("done");
    expect(notices(rows)).toEqual([]);
  });

  it("a cassette whose transcript is not beside it (a bare cassette file) is replayed without the comparison", async () => {
    const recorded = await record();
    const copy = join(tempDir("escapement-state-"), "kept.jsonl");
    writeFileSync(copy, readFileSync(join(recorded, "cassette.jsonl")));
    const model = new CassetteModel(await loadCassette(copy, "namer"), { mode: "strict" });
    const { result, rows } = await runScripted({ chart: namer("!"), model });
    expect(result.status).toBe("done");
    expect(notices(rows)).toEqual([]);
  });
});

describe("a resume", () => {
  /** A session of `namer()` interrupted while the greeting's model call is in flight (resumable, as after a crash). */
  async function interrupted(): Promise<string> {
    const sessionDir = join(tempDir("escapement-state-"), "interrupted");
    const controller = new AbortController();
    const result = await runChart({
      chart: namer(),
      model: scriptedModel([nameStep, { text: "never", firstTokenMs: 60_000 }]),
      sessionDir,
      ids: sequentialIds(),
      signal: controller.signal,
      taps: [
        (rows) => {
          if (rows.some((row) => row.event === "llm/request" && (row.data as { invokeId: string }).invokeId === "greeter")) {
            controller.abort(new RunInterruption("the host went away"));
          }
        },
      ],
    });
    expect(result.status).toBe("aborted");
    return sessionDir;
  }

  const resume = (sessionDir: string, warnings: string[] = []) =>
    runChart({
      chart: namer(),
      model: scriptedModel(script),
      resume: basename(sessionDir),
      sessionsRoot: dirname(sessionDir),
      ids: sequentialIds("r"),
      log: createLogger((line) => warnings.push(line), "warn"),
    });

  it("of an untouched session finds the state its transcript recorded and says nothing", async () => {
    const sessionDir = await interrupted();
    const result = await resume(sessionDir);
    expect(result.status).toBe("done");
    expect(notices(await readAllRows(result.transcriptPath))).toEqual([]);
  });

  /** Changes the name in the checkpoint a resume starts from; `keepOriginal`: the journal keeps the record as it was just before it. */
  function tamper(sessionDir: string, keepOriginal: boolean): number {
    const journal = join(sessionDir, "checkpoints.jsonl");
    const lines = readFileSync(journal, "utf8").split("\n").filter(Boolean);
    const last = JSON.parse(lines.at(-1)!) as { seq: number; state: { context: { name: string } } };
    expect(last.state.context.name).toBe("Ada");
    const changed = structuredClone(last);
    changed.state.context.name = "Eve";
    writeFileSync(journal, `${[...(keepOriginal ? lines : lines.slice(0, -1)), JSON.stringify(changed)].join("\n")}\n`);
    return last.seq;
  }

  async function resumeTampered(keepOriginal: boolean) {
    const sessionDir = await interrupted();
    const checkpointSeq = tamper(sessionDir, keepOriginal);
    const warnings: string[] = [];
    const result = await resume(sessionDir, warnings);
    const rows = await readAllRows(result.transcriptPath);
    const given = rowsOf(rows, "runner/event-processed").find((row) => (row.data as { event: string }).event === "name.given")!;
    return { result, rows, warnings, checkpointSeq, given, notice: notices(rows)[0] };
  }

  it("of a session whose checkpoint was changed reports the event and the differences, and continues from the checkpoint", async () => {
    const { result, rows, warnings, checkpointSeq, given, notice } = await resumeTampered(true);
    expect(result.status).toBe("done");
    expect(notice).toMatchObject({
      event: "name.given",
      recordedSeq: given.seq,
      recordedHash: (given.data as { stateHash: string }).stateHash,
      recordedFrom: "checkpoint",
      differences: ['context.name: recorded "Ada", now "Eve"'],
    });
    expect(notice!.message).toContain(
      `the checkpoint at seq ${checkpointSeq} does not hold the state the transcript recorded after event #1 "name.given" (seq ${given.seq})`,
    );
    expect(notice!.message).toContain('it is in [greeting]; context.name: recorded "Ada", now "Eve"; the run continues from the checkpoint');
    expect(warnings.join("\n")).toContain(notice!.message);
    // Reported as the resumed run starts, before any event of its own.
    const noticeAt = rows.find((row) => row.event === "runner/notice")!.seq;
    expect(noticeAt).toBeGreaterThan(rows.find((row) => row.event === "runner/resumed")!.seq);
    expect(
      rowsOf(rows, "runner/event-processed")
        .filter((row) => row.seq < noticeAt)
        .at(-1),
    ).toBe(given);
  });

  it("run({ resume }) of such a session reports it the same way, as a warning on its log", async () => {
    const sessionDir = await interrupted();
    tamper(sessionDir, true);
    const warnings: string[] = [];
    const outcome = await run({ chart: namer(), model: scriptedModel(script), resume: sessionDir, log: createLogger((line) => warnings.push(line), "warn") });
    expect(outcome.status).toBe("done");
    const [notice] = notices(await readAllRows(join(sessionDir, "transcript.jsonl")));
    expect(notice).toMatchObject({ event: "name.given", differences: ['context.name: recorded "Ada", now "Eve"'] });
    expect(warnings.join("\n")).toContain(notice!.message);
  });

  it("when the changed checkpoint was the only one after the event, reports both hashes and the state restored", async () => {
    const { result, notice } = await resumeTampered(false);
    expect(result.status).toBe("done");
    expect(notice).toMatchObject({ event: "name.given", recordedFrom: "hash", now: { value: "greeting", context: { name: "Eve", greeted: 0 } } });
    expect(notice!.message).toContain(`state ${notice!.stateHash}, recorded ${notice!.recordedHash}`);
  });
});
