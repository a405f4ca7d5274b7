/** A prompt asked in several places: the first answer wins, the others stop waiting, a line typed later is the next prompt's. */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { firstAnswer, StdinHuman, type PromptRequest } from "../../src/human/index.js";
import { WireHuman } from "../../src/wire/index.js";

const prompt = (promptId: string): PromptRequest => ({ promptId, invokeId: promptId, kind: "text", message: `${promptId}?`, schema: { type: "string" } });
const answerFrame = (promptId: string, value: unknown) => ({ v: 1 as const, kind: "answer" as const, promptId, value });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("firstAnswer", () => {
  it("takes the first answer; the stdin that lost gives its next line to the next prompt", async () => {
    const input = new PassThrough();
    const stdin = new StdinHuman(input, new PassThrough());
    const remote = new WireHuman();
    const human = firstAnswer([stdin, remote]);
    const signal = new AbortController().signal;

    const first = human.ask(prompt("name"), signal);
    await tick();
    remote.answer(answerFrame("name", "Ada"), () => {});
    expect(await first).toEqual({ value: "Ada" });

    const second = human.ask(prompt("city"), signal);
    input.write("Paris\n");
    expect(await second).toEqual({ value: "Paris" });
    expect(remote.openPrompts).toEqual([]);
  });

  it("with endOfInput waits, a closed stdin leaves the prompt to the other place; by default its end cancels", async () => {
    const input = new PassThrough();
    const remote = new WireHuman();
    const waiting = firstAnswer([new StdinHuman(input, new PassThrough(), { endOfInput: "waits" }), remote]);
    input.end();
    const asked = waiting.ask(prompt("name"), new AbortController().signal);
    await tick();
    remote.answer(answerFrame("name", "Grace"), () => {});
    expect(await asked).toEqual({ value: "Grace" });

    const ended = new PassThrough();
    const cancelling = new StdinHuman(ended, new PassThrough());
    ended.end();
    expect(await cancelling.ask(prompt("x"), new AbortController().signal)).toEqual({ cancelled: true });
  });

  it("the run's abort reaches every place, and the ask fails with its reason", async () => {
    const remote = new WireHuman();
    const run = new AbortController();
    const asked = firstAnswer([new StdinHuman(new PassThrough(), new PassThrough()), remote]).ask(prompt("name"), run.signal);
    await tick();
    run.abort(new Error("run over"));
    await expect(asked).rejects.toThrow("run over");
    expect(remote.openPrompts).toEqual([]);
  });
});
