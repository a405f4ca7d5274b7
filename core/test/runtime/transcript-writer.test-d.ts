/**
 * The types `TranscriptWriter.append` takes, pinned: each event's data is the wire-schema's
 * event-data type of that name. The assertions are checked by vitest's typecheck (and `tsc -p core`); at run time
 * `expectTypeOf` does nothing and the writer is never called.
 */
import type { EventData, EventName } from "@escapement/wire-schema";
import { describe, expectTypeOf, it } from "vitest";
import type { ModelLayerEventListener } from "../../src/llm/model-layer-event.js";
import type { TranscriptRow } from "../../src/runtime/transcript-row.js";
import type { TranscriptWriter } from "../../src/runtime/transcript-writer.js";

/** Compiled, never run: each call below type-checks or is marked as an expected error. */
const calls = (writer: TranscriptWriter, onEvent: ModelLayerEventListener): void => {
  writer.append("llm/delta", { invokeId: "agent", turn: 1, kind: "text", text: "Hel" });
  writer.append("runner/started", { sessionId: "s", runId: "r", chartId: "hello", resumed: false });
  writer.append("debug/resumed", {});

  // @ts-expect-error -- not llm/delta's data (it has invokeId, turn, kind, text)
  writer.append("llm/delta", { wrong: 1 });
  // @ts-expect-error -- a field llm/delta's schema does not declare
  writer.append("llm/delta", { invokeId: "agent", turn: 1, kind: "text", text: "Hel", wrong: 1 });
  // @ts-expect-error -- kind is "text" or "thinking"
  writer.append("llm/delta", { invokeId: "agent", turn: 1, kind: "speech", text: "Hel" });
  // @ts-expect-error -- an event name the event-data map does not have
  writer.append("chart/event", {});

  onEvent("llm/retry", { attempt: 2, category: "overloaded", delayMs: 500, target: "a:one" });
  // @ts-expect-error -- llm/retry's data without its attempt
  onEvent("llm/retry", { category: "overloaded", delayMs: 500, target: "a:one" });
};

describe("TranscriptWriter.append", () => {
  it("takes an event name of the event-data map and that event's data", () => {
    expectTypeOf(calls).toBeFunction();
    expectTypeOf<Parameters<TranscriptWriter["append"]>[0]>().toEqualTypeOf<EventName>();
    expectTypeOf<Parameters<TranscriptWriter["append"]>>().toEqualTypeOf<[event: EventName, data: EventData<EventName>]>();
    expectTypeOf<TranscriptWriter["append"]>().returns.toEqualTypeOf<TranscriptRow>();
  });

  it("types each event's data as the schema's output", () => {
    expectTypeOf<EventData<"llm/delta">>().toEqualTypeOf<{ invokeId: string; turn: number; kind: "text" | "thinking"; text: string }>();
    expectTypeOf<EventData<"debug/step">>().toEqualTypeOf<{ n: number }>();
  });
});
