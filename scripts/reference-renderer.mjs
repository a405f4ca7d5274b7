#!/usr/bin/env node
/**
 * Reference renderer for the Escapement wire protocol v1: plain Node, no TypeScript, no TUI.
 * It validates every frame with the committed JSON Schema files (wire-schema/schema/v1), the way
 * a third-party renderer would, and prints one line per frame.
 *
 *   node scripts/reference-renderer.mjs <file.wire.jsonl>      a replay file
 *   node scripts/reference-renderer.mjs -                      wire JSONL on stdin
 *   node scripts/reference-renderer.mjs ws://127.0.0.1:PORT --token TOKEN [--since N]
 *
 * Options: --strict  exit 1 when any frame was invalid.
 * Invalid frames are reported on stderr with the reason and counted; nothing stops the stream.
 * Exit status: 0 at end of input or after run-finished; 1 on a fatal error frame, a lost
 * connection or (with --strict) invalid frames; 2 on bad usage.
 */
import { readFileSync, readdirSync, createReadStream } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const PROTOCOL = { name: "escapement-wire", version: "1.0.0" };
const MAJOR = 1;
const MAX_FRAME_BYTES = 4 * 1024 * 1024;
const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "wire-schema", "schema", "v1");
const STREAM_KINDS = new Set(["event", "phase", "prompt", "prompt-closed", "debug", "run-finished"]);

// --- schemas ---------------------------------------------------------------------------------

const loadValidators = () => {
  const ajv = new Ajv2020({ strict: true, strictRequired: false });
  addFormats(ajv);
  const schemas = readdirSync(SCHEMA_DIR)
    .filter((file) => file.endsWith(".json"))
    .map((file) => JSON.parse(readFileSync(join(SCHEMA_DIR, file), "utf8")));
  for (const schema of schemas) ajv.addSchema(schema);
  const byId = (name) => schemas.find((schema) => schema.$id.endsWith(`/${name}.json`));
  const outbound = byId("frame").properties.kind.enum;
  const inbound = byId("inbound").properties.kind.enum;
  const validators = new Map(outbound.map((kind) => [kind, ajv.getSchema(byId(kind).$id)]));
  return { validators, inbound: new Set(inbound) };
};

const { validators, inbound } = loadValidators();

const describeError = (error) => {
  if (error.keyword === "required") return `${error.instancePath}/${error.params.missingProperty}: is required`;
  return `${error.instancePath || "(frame)"}: ${error.message}`;
};

/** { frame } for a valid frame, { ignore } for a kind this renderer does not know, else { error }. */
const check = (line) => {
  if (Buffer.byteLength(line) > MAX_FRAME_BYTES) return { error: `(frame): larger than ${MAX_FRAME_BYTES} bytes` };
  let frame;
  try {
    frame = JSON.parse(line);
  } catch (error) {
    return { error: `(frame): malformed JSON: ${error.message}` };
  }
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) return { error: "(frame): must be an object" };
  if (frame.v !== MAJOR) return { error: `/v: major version ${JSON.stringify(frame.v)} is not supported (speaks ${MAJOR})` };
  if (typeof frame.kind !== "string") return { error: "/kind: must be a string" };
  if (inbound.has(frame.kind)) return { error: `/kind: "${frame.kind}" is a renderer -> core frame` };
  const validate = validators.get(frame.kind);
  // A kind from a newer minor version: skip it, as the compatibility policy asks.
  if (!validate) return { ignore: frame };
  return validate(frame) ? { frame } : { error: describeError(validate.errors[0]) };
};

// --- printing --------------------------------------------------------------------------------

const short = (text, max = 24) => {
  const line = String(text).replace(/\s+/g, " ").trim();
  return JSON.stringify(line.length > max ? `${line.slice(0, max - 1)}…` : line);
};

const value = (v) => (typeof v === "string" ? short(v) : short(JSON.stringify(v) ?? "undefined"));

const eventSummary = (event, data) => {
  const d = typeof data === "object" && data !== null ? data : {};
  switch (event) {
    case "llm/delta":
      return `${d.invokeId} ${d.kind === "thinking" ? "(thinking) " : ""}${short(d.text)}`;
    case "llm/request":
      return `${d.invokeId} turn=${d.turn} model=${d.model}`;
    case "llm/response":
      return `${d.invokeId} turn=${d.turn} ${d.stopReason} in=${d.usage?.input} out=${d.usage?.output} ${d.elapsedMs}ms`;
    case "runner/event-processed":
      return `${d.event} -> ${(d.after ?? []).join(", ")}`;
    case "runner/started":
      return `session=${d.sessionId} run=${d.runId} chart=${d.chartId}${d.resumed ? " resumed" : ""}`;
    case "runner/start-config":
      return (d.config ?? []).join(", ");
    case "runner/done":
      return `${d.status}${d.error ? ` ${d.error.category}` : ""}`;
    case "human-input/requested":
      return `${d.promptId} ${d.kind} ${short(d.message, 40)}`;
    case "human-input/answered":
      return `${d.promptId} ${value(d.value)}`;
    case "checkpoint/written":
      return `${d.kind} at row ${d.seq}`;
    case "debug/step":
      return `n=${d.n}`;
    case "debug/mode":
      return `mode=${d.mode}`;
    // A fleet's children (newer minors add these rows; any event name prints generically otherwise).
    case "session/child-started":
      return `${d.childSessionId} chart=${d.chartId}`;
    case "session/child-phase":
      return `${d.childSessionId} ${(d.breadcrumb ?? []).join(" › ") || "(root)"}${d.event ? ` after ${d.event}` : ""}`;
    case "session/child-done":
      return `${d.childSessionId} ${d.status}`;
    default: {
      const who = d.invokeId ?? d.promptId ?? d.name ?? "";
      const what = d.snippet ?? d.message ?? d.reason ?? d.text;
      return [who, what === undefined ? "" : short(what, 40)].filter(Boolean).join(" ");
    }
  }
};

const summary = (frame) => {
  switch (frame.kind) {
    case "hello":
      return `${frame.protocol.name} ${frame.protocol.version} session=${frame.sessionId} run=${frame.runId} chart=${frame.chartId}${frame.replay ? " replay" : " live"}`;
    case "event":
      return `${frame.row.event} ${eventSummary(frame.row.event, frame.row.data)}${frame.coalescedFrom ? ` (coalesced from #${frame.coalescedFrom})` : ""}`;
    case "phase":
      return `${frame.breadcrumb.join(" › ") || "(root)"}${frame.event ? ` after ${frame.event}` : ""}`;
    case "prompt": {
      const { promptId, kind, message, options } = frame.prompt;
      return `${promptId} ${kind} ${short(message, 40)}${options ? ` [${options.map((o) => o.label).join("|")}]` : ""}`;
    }
    case "prompt-closed":
      return `${frame.promptId} ${frame.outcome}${frame.value === undefined ? "" : ` ${value(frame.value)}`}`;
    case "debug":
      return `${frame.paused ? "paused" : "running"} mode=${frame.mode} budget=${frame.stepBudget}${frame.reason ? ` (${frame.reason})` : ""}`;
    case "snapshot":
      return `phase=${frame.phase?.breadcrumb.join(" › ") ?? "-"} prompts=${frame.prompts.length} conversations=${frame.conversations.length}${frame.finished ? ` finished=${frame.finished.status}` : ""}`;
    case "heartbeat":
      return frame.inReplyTo ? `reply to ${frame.inReplyTo}` : "";
    case "error":
      return `${frame.code} ${frame.message}${frame.fatal ? " (fatal)" : ""}`;
    case "run-finished":
      return `${frame.status}${frame.error ? ` ${frame.error.category}: ${frame.error.message}` : ""}`;
    default:
      return "";
  }
};

// --- the renderer ----------------------------------------------------------------------------

const createRenderer = () => {
  const counts = { frames: 0, invalid: 0, ignored: 0 };
  let lineNo = 0;
  let lastSeq = 0;
  let finished = false;
  let fatal = false;
  let heartbeatMs = 0;

  const handle = (line) => {
    lineNo += 1;
    if (line.trim() === "") return undefined;
    const result = check(line);
    if (result.error) {
      counts.invalid += 1;
      process.stderr.write(`line ${lineNo}: invalid frame: ${result.error}\n`);
      return undefined;
    }
    if (result.ignore) {
      counts.ignored += 1;
      console.log(`#${result.ignore.seq ?? "?"} ${result.ignore.kind} (unknown kind, ignored)`);
      return undefined;
    }
    const { frame } = result;
    counts.frames += 1;
    if (STREAM_KINDS.has(frame.kind)) {
      const first = frame.coalescedFrom ?? frame.seq;
      if (first !== lastSeq + 1) process.stderr.write(`line ${lineNo}: gap: expected #${lastSeq + 1}, got #${first}\n`);
      lastSeq = frame.seq;
    } else if (frame.kind === "hello" || frame.kind === "snapshot") {
      lastSeq = frame.seq;
    }
    if (frame.kind === "hello") heartbeatMs = frame.heartbeatMs;
    if (frame.kind === "run-finished") finished = true;
    if (frame.kind === "error" && frame.fatal) fatal = true;
    console.log(`#${frame.seq} ${frame.kind} ${summary(frame)}`.trimEnd());
    return frame;
  };

  const report = () => process.stderr.write(`reference-renderer: ${counts.frames} frames, ${counts.invalid} invalid, ${counts.ignored} ignored\n`);

  return {
    handle,
    report,
    counts,
    get finished() {
      return finished;
    },
    get fatal() {
      return fatal;
    },
    get heartbeatMs() {
      return heartbeatMs;
    },
  };
};

const parseArgs = (argv) => {
  const options = { source: undefined, token: undefined, since: 0, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--token") options.token = argv[++i];
    else if (arg === "--since") options.since = Number(argv[++i]);
    else if (arg === "--strict") options.strict = true;
    else if (options.source === undefined) options.source = arg;
    else return { error: `unexpected argument ${arg}` };
  }
  if (options.source === undefined) return { error: "missing source: a wire JSONL file, - for stdin, or ws://host:port" };
  if (!Number.isInteger(options.since) || options.since < 0) return { error: "--since must be a whole number" };
  if (options.source.startsWith("ws") && !options.token) return { error: "--token is required for a live socket" };
  return { options };
};

const exitCode = (renderer, strict) => (renderer.fatal || (strict && renderer.counts.invalid > 0) ? 1 : 0);

const withoutCr = (line) => (line.endsWith("\r") ? line.slice(0, -1) : line);

/**
 * The lines of wire JSONL: a line ends at "\n" only (a "\r" before it is dropped). Not readline:
 * since Node 24 it also ends a line at U+2028 / U+2029, which JSON leaves unescaped in strings.
 */
async function* jsonLines(input) {
  let head = "";
  for await (const chunk of input.setEncoding("utf8")) {
    const parts = chunk.split("\n");
    if (parts.length === 1) {
      head += chunk;
      continue;
    }
    parts[0] = head + parts[0];
    head = parts.pop();
    for (const line of parts) yield withoutCr(line);
  }
  if (head !== "") yield withoutCr(head);
}

const readLines = async (source, strict) => {
  const renderer = createRenderer();
  const input = source === "-" ? process.stdin : createReadStream(source);
  input.on("error", (error) => {
    process.stderr.write(`reference-renderer: ${error.message}\n`);
    process.exit(2);
  });
  for await (const line of jsonLines(input)) renderer.handle(line);
  renderer.report();
  return exitCode(renderer, strict);
};

const readSocket = async (url, { token, since, strict }) => {
  const { WebSocket } = await import("ws");
  const renderer = createRenderer();
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { maxPayload: MAX_FRAME_BYTES });
    let pinger;
    socket.on("open", () => {
      const attach = { v: MAJOR, kind: "attach", token, protocol: PROTOCOL, since, client: { name: "reference-renderer" } };
      socket.send(JSON.stringify(attach));
    });
    socket.on("message", (data) => {
      const frame = renderer.handle(data.toString("utf8"));
      if (frame?.kind === "hello" && frame.heartbeatMs > 0 && !pinger) {
        pinger = setInterval(() => socket.send(JSON.stringify({ v: MAJOR, kind: "ping" })), frame.heartbeatMs);
      }
      if (frame?.kind === "run-finished") socket.close(1000);
    });
    socket.on("error", (error) => process.stderr.write(`reference-renderer: ${error.message}\n`));
    socket.on("close", (code, reason) => {
      clearInterval(pinger);
      if (!renderer.finished) process.stderr.write(`reference-renderer: connection closed (${code}${reason.length ? ` ${reason}` : ""})\n`);
      renderer.report();
      resolve(renderer.finished ? exitCode(renderer, strict) : 1);
    });
  });
};

const main = async () => {
  const { options, error } = parseArgs(process.argv.slice(2));
  if (error) {
    process.stderr.write(`reference-renderer: ${error}\n`);
    return 2;
  }
  return /^wss?:\/\//.test(options.source) ? readSocket(options.source, options) : readLines(options.source, options.strict);
};

process.exitCode = await main();
