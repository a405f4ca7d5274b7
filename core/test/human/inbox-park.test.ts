/**
 * Parking in one process, on the memory store: a run waiting on a prompt parks (its result and its
 * session say `parked`, and on which prompt), an answer posted with `answerPrompt` is taken by the
 * resumed run from the inbox, and the session ends `done` with the transcript of a run that never
 * parked. A run waiting on a distant timer parks and, resumed later, fires the timer at its
 * original due time. Wrong answers are refused clearly.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { setup } from "xstate";
import askChart from "../../../examples/ask/chart.js";
import { answerPrompt } from "../../src/pool/answer-prompt.js";
import { ParkingLot } from "../../src/pool/parking-lot.js";
import { runChart, type RunResult } from "../../src/engine/runner.js";
import { defineChart } from "../../src/engine/index.js";
import { InboxHuman, ScriptedHuman } from "../../src/human/index.js";
import { scriptedModel } from "../../src/llm/scripted-model.js";
import { sequentialIds } from "../../src/runtime/ids.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import { memoryStore, type SessionStore } from "../../src/store/index.js";
import { run } from "../../src/lib/run.js";
import { repo } from "../lib/helpers.js";
import { unparkedShape } from "../pool/parked-transcript.js";

const script = JSON.parse(readFileSync(join(repo, "examples/ask/script.json"), "utf8"));

const rowsOf = async (store: SessionStore, id: string): Promise<TranscriptRow[]> => {
  const rows: TranscriptRow[] = [];
  for await (const row of store.rows(id)) rows.push(row);
  return rows;
};

/** Runs (or resumes) a session with the inbox as its human and parking on. */
const parkingRun = async (store: SessionStore, sessionId: string, resume: boolean): Promise<RunResult> => {
  const manifest = resume ? await store.manifest(sessionId) : undefined;
  const human = new InboxHuman({ inbox: store.inbox!, sessionId, afterSeq: manifest?.parked?.inboxSeq ?? 0 });
  return runChart({
    chart: askChart,
    model: scriptedModel(script),
    store,
    ids: { ...sequentialIds("park"), sessionId: () => sessionId },
    human,
    park: { afterMs: 30, inboxSeq: () => human.cursor },
    ...(resume ? { resume: sessionId } : {}),
  });
};

describe("parking in one process", () => {
  it("parks on each prompt, wakes with the posted answer and ends with an unparked run's transcript", async () => {
    const plain = memoryStore();
    const unparked = await runChart({
      chart: askChart,
      model: scriptedModel(script),
      store: plain,
      ids: { ...sequentialIds("plain"), sessionId: () => "s-1" },
      human: new ScriptedHuman([{ value: "Ada" }, { value: "friendly" }, { value: true }]),
    });
    expect(unparked.status).toBe("done");

    const store = memoryStore();
    let result = await parkingRun(store, "s-1", false);
    expect(result).toMatchObject({ status: "parked", parked: { prompts: ["name"], inboxSeq: 0 } });
    expect(await store.manifest("s-1")).toMatchObject({ status: "parked", parked: { prompts: ["name"] } });
    // Its last row says what it waits on, so a renderer keeps the prompt open.
    expect((await rowsOf(store, "s-1")).at(-1)).toMatchObject({ event: "runner/done", data: { status: "aborted", parked: { prompts: ["name"] } } });

    // Wrong answers are refused before they reach the inbox.
    await expect(answerPrompt({ store, sessionId: "s-1", promptId: "tone", answer: { value: "x" } })).rejects.toThrow(
      'prompt "tone" of session s-1 is not waiting for an answer (waiting: name)',
    );
    await expect(answerPrompt({ store, sessionId: "s-1", answer: { value: 42 } })).rejects.toThrow(/not an answer to prompt "name" of session s-1: /);
    expect(await answerPrompt({ store, sessionId: "s-1", answer: { value: "Ada" } })).toMatchObject({ promptId: "name", seq: 1, woken: false });
    await expect(answerPrompt({ store, sessionId: "s-1", answer: { value: "Bob" } })).rejects.toThrow(
      'prompt "name" of session s-1 was answered already; its run has not taken the answer yet',
    );

    result = await parkingRun(store, "s-1", true);
    expect(result).toMatchObject({ status: "parked", parked: { prompts: ["tone"], inboxSeq: 1 } });
    await answerPrompt({ store, sessionId: "s-1", answer: { value: "friendly" } });
    result = await parkingRun(store, "s-1", true);
    expect(result).toMatchObject({ status: "parked", parked: { prompts: ["approve"] } });
    await answerPrompt({ store, sessionId: "s-1", promptId: "approve", answer: { value: true } });
    result = await parkingRun(store, "s-1", true);
    expect(result.status).toBe("done");
    await expect(answerPrompt({ store, sessionId: "s-1", answer: { value: true } })).rejects.toThrow(
      "session s-1 has ended (status done): no prompt to answer",
    );

    expect(unparkedShape(await rowsOf(store, "s-1"))).toEqual(unparkedShape(await rowsOf(plain, "s-1")));
  });

  it("a parking lot wakes its parked sessions when they are answered, in the same process", async () => {
    const store = memoryStore();
    const errors: unknown[] = [];
    const lot = new ParkingLot({ store, resume: (sessionId) => parkingRun(store, sessionId, true), onError: (_, error) => errors.push(error) });
    const first = await parkingRun(store, "s-3", false);
    await lot.park("s-3", first.parked!);
    expect(lot.size).toBe(1);
    const settled = async (prompt: string | undefined): Promise<void> => {
      for (;;) {
        if (errors.length > 0) throw errors[0];
        const manifest = await store.manifest("s-3");
        if (prompt === undefined ? manifest.status === "done" : manifest.status === "parked" && manifest.parked?.prompts[0] === prompt && lot.size === 1)
          return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await answerPrompt({ store, sessionId: "s-3", answer: { value: "Ada" } });
    await settled("tone");
    await answerPrompt({ store, sessionId: "s-3", answer: { value: "friendly" } });
    await settled("approve");
    await answerPrompt({ store, sessionId: "s-3", answer: { value: false } });
    await settled(undefined);
    expect(lot.size).toBe(0);
    await lot.close();
    expect(errors).toEqual([]);
    expect((await store.manifest("s-3")).status).toBe("done");
  });

  it("run() parks with an InboxHuman and a ParkingLot wakes it, as docs/embedding.md shows", async () => {
    const store = memoryStore();
    const start = (resume?: string) =>
      run({
        chart: askChart,
        model: scriptedModel(script),
        store,
        human: new InboxHuman({ inbox: store.inbox! }),
        park: { afterMs: 30 },
        ...(resume ? { resume } : { ids: sequentialIds("embed") }),
      });
    const lot = new ParkingLot({ store, resume: (sessionId) => start(sessionId) });
    const first = await start();
    expect(first).toMatchObject({ status: "parked", sessionId: "embed-session-1", parked: { prompts: ["name"] } });
    await lot.park(first.sessionId, first.parked!);
    for (const [prompt, value] of [
      ["name", "Ada"],
      ["tone", "friendly"],
      ["approve", true],
    ] as const) {
      for (;;) {
        const manifest = await store.manifest(first.sessionId);
        if (manifest.status === "parked" && manifest.parked?.prompts[0] === prompt && lot.size === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await answerPrompt({ store, sessionId: first.sessionId, answer: { value } });
    }
    while ((await store.manifest(first.sessionId)).status !== "done") await new Promise((resolve) => setTimeout(resolve, 5));
    await lot.close();
  });

  it("takes an answer posted while the run is live, without parking", async () => {
    const store = memoryStore();
    const running = parkingRun(store, "s-2", false);
    // Posted as soon as the prompt is in the store.
    for (;;) {
      const rows = await rowsOf(store, "s-2").catch(() => []);
      if (rows.some((row) => row.event === "human-input/requested")) break;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await answerPrompt({ store, sessionId: "s-2", answer: { cancelled: true } });
    const result = await running;
    expect(result.status).toBe("done");
    expect(result.finalConfig).toEqual(["cancelled"]);
  });

  it("parks on a distant timer, and the resumed run fires it at its original due time", async () => {
    const machine = setup({}).createMachine({ id: "wait", initial: "waiting", states: { waiting: { after: { 2500: "done" } }, done: { type: "final" } } });
    const chart = defineChart({ id: "wait", machine });
    const store = memoryStore();
    const started = Date.now();
    const first = await runChart({ chart, model: scriptedModel([]), store, ids: sequentialIds("timer"), park: { afterMs: 1000, timerMs: 200 } });
    expect(first.status).toBe("parked");
    const dueAt = first.parked!.dueAt!;
    expect(dueAt).toBeGreaterThanOrEqual(started + 2500);
    expect(dueAt).toBeLessThan(started + 2500 + 500);
    // Resumed half a second before it is due: it fires then, not 2.5 s after the resume.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - 500 - Date.now())));
    const woken = await runChart({ chart, model: scriptedModel([]), store, ids: sequentialIds("timer2"), resume: first.sessionId });
    expect(woken.status).toBe("done");
    const fired = (await rowsOf(store, first.sessionId)).find((row) => row.event === "runner/event-processed");
    expect(fired?.ts).toBeGreaterThanOrEqual(dueAt);
    expect(fired!.ts - dueAt).toBeLessThan(1000);
  });
});
