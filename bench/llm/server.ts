/**
 * The bench's provider: the fake Anthropic/OpenAI SSE server from tests/support, in its own
 * process so its work does not share the measured event loop. Every request gets the same
 * streamed reply. Prints `{"url": ...}` on stdout when listening; exits when stdin closes.
 *
 *   node --import tsx bench/llm/server.ts <replyChars>
 */
import http from "node:http";
import { syncBuiltinESMExports } from "node:module";

// Node's default 5 s keep-alive timeout races the client's connection reuse ("other side closed"
// on a request sent just as the server drops the idle socket). A provider keeps sockets far longer.
const createServer = http.createServer;
http.createServer = ((...args: Parameters<typeof createServer>) => {
  const server = createServer(...args);
  server.keepAliveTimeout = 120_000;
  return server;
}) as typeof createServer;
syncBuiltinESMExports();
const { startFakeProviderServer, step } = await import("../../tests/support/fake-provider-server.js");

const chars = Number(process.argv[2] ?? 600);
const words = "the quick brown fox jumps over the lazy dog while the model streams its answer ";
const text = words.repeat(Math.ceil(chars / words.length)).slice(0, chars);
const reply = step.text(text, { usage: { input: 60, output: Math.ceil(chars / 4) } });

const server = await startFakeProviderServer();
const topUp = (): void => {
  // The server records every request; keep that bounded over a long run.
  server.requests.length = 0;
  while (server.pending() < 5_000) server.enqueue(reply);
};
topUp();
setInterval(topUp, 20).unref();
process.stdout.write(`${JSON.stringify({ url: server.url, chars: text.length })}\n`);
process.stdin.resume();
process.stdin.on("close", () => process.exit(0));
process.stdin.on("end", () => process.exit(0));
