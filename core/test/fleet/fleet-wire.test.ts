/**
 * A fleet on the wire: a real fleet run with its wire server and a real WebSocket client. The
 * renderer attached to the parent sees each child's phase (`session/child-phase` events), each
 * child's prompt (a `prompt` frame naming the child, answered over the wire and reaching that
 * child) and each child's conversation, in the child's order, schema-valid and gap-free.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { assign, setup } from "xstate";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { validateFrame, type EventFrame, type OutboundFrame, type PromptClosedFrame, type PromptFrame, type SnapshotFrame } from "@escapement/wire-schema";
import { askHuman, converse, defineChart, inlineActors, spawnChildren, type FleetChildResult } from "../../src/index.js";
import { runChart } from "../../src/engine/index.js";
import { DebugGate } from "../../src/debug/index.js";
import { scriptedModel, type Script } from "../../src/llm/index.js";
import { readAllRows, sequentialIds, type TranscriptRow } from "../../src/runtime/index.js";
import { WireHub, WireHuman, WireServer } from "../../src/wire/index.js";
import { transcriptToWire } from "../../src/replay/index.js";
import { connect, gaps, isKind, type Client } from "../wire/harness.js";
import { tempDir } from "../chart/helpers.js";

/** A child: a conversation reports its work, then the child asks a human for a name and outputs it. */
const scout = defineChart({
  id: "scout",
  machine: setup({ actors: inlineActors, types: { context: {} as { n: number; name?: string }, input: {} as { n: number } } }).createMachine({
    id: "scout",
    context: ({ input }) => ({ n: input.n }),
    initial: "scouting",
    states: {
      scouting: {
        invoke: converse({
          id: "scout",
          message: ({ context }) => `Scout ${context.n}: look around.`,
          realTools: [],
          allowedEvents: { "scout.done": { schema: z.object({ seen: z.string() }), description: "report what you saw" } },
        }),
        on: { "scout.done": "naming" },
      },
      naming: {
        invoke: {
          ...askHuman({ id: "name", kind: "text", message: "Name this scout?" }),
          onDone: { target: "named", actions: assign({ name: ({ event }) => String(event.output) }) },
        },
      },
      named: { type: "final" },
    },
    output: ({ context }) => ({ n: context.n, name: context.name }),
  }),
});

const parent = defineChart({
  id: "expedition",
  machine: setup({ actors: inlineActors, types: { context: {} as { results: FleetChildResult[] } } }).createMachine({
    id: "expedition",
    context: { results: [] },
    initial: "scouting",
    states: {
      scouting: {
        invoke: {
          ...spawnChildren({ id: "scouts", chart: scout, inputs: [{ n: 1 }, { n: 2 }], concurrency: 2 }),
          onDone: { target: "home", actions: assign({ results: ({ event }) => event.output as FleetChildResult[] }) },
        },
      },
      home: { type: "final" },
    },
    output: ({ context }) => context.results,
  }),
});

/** Every scout's one model turn: streamed text, then the event that moves it on. */
const script: Script = [1, 2].map(() => ({
  deltas: [
    { text: "Hills ", afterMs: 10 },
    { text: "and rivers.", afterMs: 10 },
  ],
  events: [{ name: "scout_done", payload: { seen: "hills" } }],
}));

const children = ["scouts-1", "scouts-2"];

const childOfRow = (row: TranscriptRow): string | undefined => (row.data as { childSessionId?: string }).childSessionId;

/** Lines of the transcript on disk now (rows durable so far). */
const rowsOnDisk = (path: string): number => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean).length : 0);

describe("a fleet on the wire", () => {
  it("a renderer on the parent sees each child's phases, prompts and conversations in order, and answers a child's prompt", async () => {
    const sessionDir = join(tempDir("escapement-fleet-wire-"), "session");
    const transcriptPath = join(sessionDir, "transcript.jsonl");
    const hub = new WireHub({ transcriptPath });
    const human = new WireHuman();
    const gate = new DebugGate();
    const token = "fleet-token";
    const server = await WireServer.start({ hub, human, gate, token, heartbeatMs: 1000 });
    let client: Client | undefined;
    let late: Client | undefined;
    try {
      client = await connect(server.url);
      // Durable before visible: a row's frame arrives only once the row is in transcript.jsonl.
      const notYetOnDisk: number[] = [];
      client.ws.on("message", (data) => {
        const frame = JSON.parse(data.toString()) as OutboundFrame;
        if (frame.kind === "event" && rowsOnDisk(transcriptPath) < frame.row.seq) notYetOnDisk.push(frame.row.seq);
      });
      const done = runChart({
        chart: parent,
        model: scriptedModel(script),
        human,
        debug: gate,
        sessionDir,
        ids: sequentialIds(),
        taps: [hub.ingest],
      }).then((result) => {
        human.close();
        return result;
      });
      client.attach(token, 0);

      // Both children ask; each prompt frame names the child that asks.
      const prompts = await Promise.all(
        children.map((child) =>
          client!.waitFor<PromptFrame>(
            isKind("prompt", (frame) => frame.child === child),
            20_000,
          ),
        ),
      );
      expect(prompts.map((frame) => frame.prompt.promptId)).toEqual(children.map((child) => `${child}/name`));
      expect(prompts.map((frame) => frame.prompt.message)).toEqual(["Name this scout?", "Name this scout?"]);

      // A renderer joining now from a snapshot learns the fleet: both children asking, their prompts open.
      late = await connect(server.url);
      late.attach(token, 1_000_000);
      const snapshot = await late.waitFor<SnapshotFrame>(isKind("snapshot"));
      expect(snapshot.children).toEqual(
        children.map((child) => ({ childSessionId: child, chartId: "scout", status: "running", phase: { config: ["naming"], breadcrumb: ["naming"] } })),
      );
      expect(snapshot.prompts.map((prompt) => prompt.promptId).sort()).toEqual(children.map((child) => `${child}/name`));

      // Answered over the parent's wire, each answer reaches the child that asked.
      client.send({ v: 1, kind: "answer", id: "a-2", promptId: "scouts-2/name", value: "Bea" });
      await client.waitFor(isKind("prompt-closed", (frame) => frame.promptId === "scouts-2/name"));
      client.send({ v: 1, kind: "answer", id: "a-1", promptId: "scouts-1/name", value: "Ada" });
      const result = await done;
      expect(result.status).toBe("done");
      await client.waitFor(isKind("run-finished"));
      const outputs = (await readAllRows(transcriptPath)).find(
        (row) => row.event === "runner/event-processed" && (row.data as { event: string }).event === "xstate.done.actor.scouts",
      )!.data as { eventData: { output: FleetChildResult[] } };
      expect(outputs.eventData.output.map((r) => [r.childSessionId, r.output])).toEqual([
        ["scouts-1", { n: 1, name: "Ada" }],
        ["scouts-2", { n: 2, name: "Bea" }],
      ]);
      for (const [child, name] of [
        ["scouts-1", "Ada"],
        ["scouts-2", "Bea"],
      ] as const) {
        const own = await readAllRows(join(sessionDir, "children", child, "transcript.jsonl"));
        expect(own.find((row) => row.event === "human-input/answered")!.data).toMatchObject({ promptId: "name", value: name });
      }

      // Every frame schema-valid (the committed JSON Schema's validators), the stream gap-free, rows durable first.
      expect(client.invalid).toEqual([]);
      for (const frame of client.frames) expect(validateFrame(frame, { direction: "outbound" }).ok).toBe(true);
      expect(gaps(client.frames)).toEqual([]);
      expect(notYetOnDisk).toEqual([]);

      const events = client.stream().filter((frame): frame is EventFrame => frame.kind === "event");
      const closed = client.stream().filter((frame): frame is PromptClosedFrame => frame.kind === "prompt-closed");
      expect(closed.map((frame) => [frame.child, frame.promptId, frame.value]).sort()).toEqual([
        ["scouts-1", "scouts-1/name", "Ada"],
        ["scouts-2", "scouts-2/name", "Bea"],
      ]);
      // The parent's own phase frames stay the parent's: no child configuration among them.
      expect(client.stream().flatMap((frame) => (frame.kind === "phase" ? [frame.config] : []))).toEqual([["scouting"], ["home"]]);

      for (const child of children) {
        const rows = events.map((frame) => frame.row).filter((row) => childOfRow(row) === child);
        const phases = rows
          .filter((row) => row.event === "session/child-phase")
          .map((row) => row.data as { config: string[]; breadcrumb: string[]; event?: string });
        expect(phases.map(({ config, breadcrumb, event }) => ({ config, breadcrumb, event }))).toEqual([
          { config: ["scouting"], breadcrumb: ["scouting"], event: undefined },
          { config: ["naming"], breadcrumb: ["naming"], event: "scout.done" },
          { config: ["named"], breadcrumb: ["named"], event: "xstate.done.actor.name" },
        ]);
        // The child's conversation, its ids made unique in the parent.
        const conversation = rows.filter((row) => row.event.startsWith("llm/"));
        expect(conversation.map((row) => row.event).filter((event) => event !== "llm/delta")).toEqual([
          "llm/conversation-started",
          "llm/request",
          "llm/response",
          "llm/conversation-ended",
        ]);
        expect(new Set(conversation.map((row) => (row.data as { invokeId: string }).invokeId))).toEqual(new Set([`${child}/scout`]));
        expect(
          rowsOfEvent(conversation, "llm/delta")
            .map((row) => (row.data as { text: string }).text)
            .join(""),
        ).toBe("Hills and rivers.");
        // In the child's own order: phases, conversation and prompt rows interleave as in the child's transcript.
        const childSeqs = rows
          .filter((row) => row.event !== "session/child-started" && row.event !== "session/child-done")
          .map((row) => (row.data as { childSeq: number }).childSeq);
        expect(childSeqs).toEqual([...childSeqs].sort((a, b) => a - b));
        const order = rows.map((row) => (row.event === "session/child-phase" ? `phase:${(row.data as { config: string[] }).config.join()}` : row.event));
        const at = (name: string) => order.indexOf(name);
        expect(at("session/child-started")).toBe(0);
        expect(at("phase:scouting")).toBeLessThan(at("llm/conversation-started"));
        expect(at("phase:naming")).toBeLessThan(at("human-input/requested"));
        expect(at("human-input/answered")).toBeLessThan(at("phase:named"));
        expect(order.at(-1)).toBe("session/child-done");
        // The prompt frame comes right after its row, after the child's phase that entered its state.
        const requested = events.find((frame) => frame.row.event === "human-input/requested" && childOfRow(frame.row) === child)!;
        const prompt = client.stream().find((frame) => frame.kind === "prompt" && frame.child === child)!;
        expect(prompt.seq).toBe(requested.seq + 1);
      }

      // A replay of the parent's session (escapement open) shows the children the same way: the same frames.
      const replay: OutboundFrame[] = [];
      for await (const line of transcriptToWire(transcriptPath)) replay.push(JSON.parse(line.text) as OutboundFrame);
      expect(replay[0]).toMatchObject({ kind: "hello", replay: true });
      expect(replay.slice(1)).toEqual(client.stream());
    } finally {
      client?.close();
      late?.close();
      await server.close();
    }
  }, 60_000);
});

const rowsOfEvent = (rows: readonly TranscriptRow[], event: string): TranscriptRow[] => rows.filter((row) => row.event === event);
