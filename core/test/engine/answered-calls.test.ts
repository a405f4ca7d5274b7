/** A reply the cassette holds but the transcript lost (killed between the two writes) is not paid for again. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { answerFromDisk, answersNotInTranscript } from "../../src/engine/answered-calls.js";
import { CassetteWriter, recordingModel } from "../../src/llm/cassette/index.js";
import { scriptedModel } from "../../src/llm/index.js";
import type { ModelRequest, RequestOrigin } from "../../src/llm/protocol.js";
import { systemClock } from "../../src/runtime/index.js";
import { tempDir } from "../lib/helpers.js";

const request = (turn: number, text: string): ModelRequest => ({
  model: "default",
  messages: [{ role: "user", content: [{ type: "text", text }] }],
  tools: [],
  params: {},
  stream: false,
  origin: { invokeId: "c", stateId: "s", turn },
});

describe("answers on disk", () => {
  it("answers the call the transcript lost from the cassette, once, and steps the script past it", async () => {
    const path = join(tempDir(), "cassette.jsonl");
    const writer = new CassetteWriter(path, { chartId: "c", sessionId: "s", createdAt: 0 });
    const recorder = recordingModel(scriptedModel([{ text: "one" }, { text: "two" }]), writer, systemClock);
    const signal = new AbortController().signal;
    await recorder.call(request(1, "first"), { signal });
    await recorder.call(request(2, "second"), { signal });
    writer.close();

    // The transcript kept turn 1's response; turn 2's was answered and recorded, then the process died.
    const completed: RequestOrigin[] = [{ invokeId: "c", stateId: "s", turn: 1 }];
    const answered = await answersNotInTranscript(path, completed);
    expect([...answered.keys()]).toEqual(["c#s#2"]);

    const live = scriptedModel([{ text: "never asked" }, { text: "three" }]);
    const served: RequestOrigin[] = [];
    const model = answerFromDisk(live, answered, (origin) => {
      served.push(origin);
      live.skipCompleted([origin]);
    });
    // A different request for that turn is not the recorded one: it goes to the model.
    const again = await model.call(request(2, "second"), { signal });
    expect(again.content).toEqual([{ type: "text", text: "two" }]);
    expect(served).toEqual([{ invokeId: "c", stateId: "s", turn: 2 }]);
    // Served once: the next call is the script's next step.
    expect((await model.call(request(3, "third"), { signal })).content).toEqual([{ type: "text", text: "three" }]);
  });

  it("serves nothing for a request that differs from the recorded one", async () => {
    const path = join(tempDir(), "cassette.jsonl");
    const writer = new CassetteWriter(path, { chartId: "c", sessionId: "s", createdAt: 0 });
    await recordingModel(scriptedModel([{ text: "recorded" }]), writer, systemClock).call(request(1, "asked then"), { signal: new AbortController().signal });
    writer.close();
    const answered = await answersNotInTranscript(path, []);
    const model = answerFromDisk(scriptedModel([{ text: "asked now" }]), answered, () => {});
    expect((await model.call(request(1, "something else"), { signal: new AbortController().signal })).content).toEqual([{ type: "text", text: "asked now" }]);
  });
});
