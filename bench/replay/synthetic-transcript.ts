import { createWriteStream } from "node:fs";
import { once } from "node:events";

/** Writes a realistic transcript of about `bytes`: mostly llm/delta rows, with requests, responses and chart events. */
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
  let turn = 0;
  while (written < bytes) {
    turn++;
    const invokeId = `agent-${turn % 100}`;
    await push(row("llm/request", { invokeId, stateId: "work", turn, model: "default", messageCount: 3, tools: ["fs_read"], ref: `io/${invokeId}-t${turn}-request.json`, snippet: "Summarize the next chapter of the manual." }));
    for (let i = 0; i < 50; i++) await push(row("llm/delta", { invokeId, turn, kind: "text", text: "token " }));
    await push(row("llm/response", { invokeId, stateId: "work", turn, target: "anthropic:claude", stopReason: "end_turn", usage: { input: 900, output: 50, cacheRead: 800, cacheWrite: 0 }, elapsedMs: 450, ttftMs: 200, ref: `io/${invokeId}-t${turn}-response.json`, snippet: "token token token" }));
    await push(row("runner/event-processed", { event: "llm.idle", before: ["work"], after: ["work"], entered: [], exited: [] }));
  }
  await push(row("runner/done", { finalConfig: ["done"], status: "done" }));
  out.end();
  await once(out, "finish");
  return { rows: seq, bytes: written };
}
