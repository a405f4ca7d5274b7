import { createWriteStream } from "node:fs";
import { once } from "node:events";

/**
 * Writes a realistic transcript of about `bytes`: mostly llm/delta rows streamed into live
 * conversations (started and ended like a real run's, ten turns each, two at a time), with
 * requests, responses and chart events.
 */
export async function writeSyntheticTranscript(path: string, bytes: number): Promise<{ rows: number; bytes: number }> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let seq = 0;
  let written = 0;
  let ts = 1_795_000_000_000;
  const row = (event: string, data: unknown) => `${JSON.stringify({ seq: ++seq, ts: (ts += 7), event, data })}\n`;
  const push = async (line: string) => {
    written += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, "drain");
  };
  await push(row("runner/started", { sessionId: "bench", runId: "run-bench", chartId: "bench", resumed: false }));
  await push(row("runner/start-config", { config: ["work"] }));
  let round = 0;
  const live: string[] = [];
  while (written < bytes) {
    round++;
    // Two conversations at a time; each lives ten turns.
    const slot = round % 2;
    const conversation = Math.floor((round - 1) / 20) * 2 + slot;
    const invokeId = `agent-${conversation}`;
    const turn = (Math.floor((round - 1) / 2) % 10) + 1;
    if (turn === 1) {
      await push(row("llm/conversation-started", { invokeId, stateId: "work", model: "default", system: "You summarize manuals." }));
      live.push(invokeId);
    }
    await push(
      row("llm/request", {
        invokeId,
        stateId: "work",
        turn,
        model: "default",
        messageCount: 3,
        tools: ["fs_read"],
        ref: `io/${invokeId}-t${turn}-request.json`,
        snippet: "Summarize the next chapter of the manual.",
      }),
    );
    for (let i = 0; i < 50; i++) await push(row("llm/delta", { invokeId, turn, kind: i < 5 ? "thinking" : "text", text: "token " }));
    await push(
      row("llm/response", {
        invokeId,
        stateId: "work",
        turn,
        target: "anthropic:claude",
        stopReason: "end_turn",
        usage: { input: 900, output: 50, cacheRead: 800, cacheWrite: 0 },
        elapsedMs: 450,
        ttftMs: 200,
        ref: `io/${invokeId}-t${turn}-response.json`,
        snippet: "token token token",
      }),
    );
    await push(row("runner/event-processed", { event: "llm.idle", before: ["work"], after: ["work"], entered: [], exited: [] }));
    if (turn === 10) {
      await push(row("llm/conversation-ended", { invokeId, stateId: "work", reason: "done" }));
      live.splice(live.indexOf(invokeId), 1);
      await push(row("runner/event-processed", { event: "count.done", before: ["work"], after: ["work"], entered: ["work"], exited: ["work"] }));
    }
  }
  for (const invokeId of live) await push(row("llm/conversation-ended", { invokeId, stateId: "work", reason: "exit" }));
  await push(row("runner/done", { finalConfig: ["done"], status: "done" }));
  out.end();
  await once(out, "finish");
  return { rows: seq, bytes: written };
}
