/**
 * A replay splices most transcript lines into their frames unparsed. Its output must be what
 * parsing every line gave, byte for byte: the old transform (kept as an oracle in test/support)
 * against the new one on the session of every example and on a fuzzed corpus of rows of every
 * event kind, written the writer's way and every other way, damaged and not.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { eventNames } from "@escapement/wire-schema";
import { createFramesOnlySequencer, type TranscriptRow } from "@escapement/wire-schema/runtime";
import { describe, expect, it } from "vitest";
import { emitWire, transcriptToWireBatches, transcriptToWireText } from "../../src/replay/index.js";
import { frameEvents } from "@escapement/wire-schema/runtime";
import { isPlainRowLine, isUnmovedEventLine, MAX_DEPTH } from "../../src/replay/plain-row-line.js";
import { TranscriptWriter } from "../../src/runtime/transcript-writer.js";
import { deltaRows } from "../../src/runtime/delta-rows.js";
import { isTranscriptRow } from "../../src/runtime/transcript-reader.js";
import { repo, runCli, scratch } from "../examples/harness.js";
import { prng } from "../support/prng.js";
import { oracleTranscriptToWireBatches } from "../support/transcript-to-wire-oracle.js";

const work = scratch("splice");

const collect = async <T>(source: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
};

/** Collects what `emitWire` writes. */
const sink = () => {
  let text = "";
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { out, text: () => text };
};

/** What a line parses to when it is a row (undefined when it is not JSON or not a row). */
const rowOfLine = (line: string): TranscriptRow | undefined => {
  try {
    const value = JSON.parse(line) as unknown;
    return isTranscriptRow(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Old and new agree on one file: the same batches of frame texts, the same frames and times, the
 * same lines skipped for the same reasons, and the same wire JSONL from `transcriptToWireText`
 * and `emitWire` (instant and paced). Returns the old wire JSONL.
 */
async function expectSameAsOracle(path: string): Promise<string> {
  const oldSkips: [number, string][] = [];
  const newSkips: [number, string][] = [];
  const old = await collect(oracleTranscriptToWireBatches(path, (line, reason) => oldSkips.push([line, reason])));
  const fresh = await collect(transcriptToWireBatches(path, { onSkip: (line, reason) => newSkips.push([line, reason]) }));
  expect(fresh.map((batch) => batch.map((line) => line.text))).toEqual(old.map((batch) => batch.map((line) => line.text)));
  expect(fresh.flat().map((line) => line.ts)).toEqual(old.flat().map((line) => line.ts));
  expect(fresh.flat().map((line) => line.frame)).toEqual(old.flat().map((line) => line.frame));
  expect(newSkips).toEqual(oldSkips);
  const jsonl = old
    .flat()
    .map((line) => `${line.text}\n`)
    .join("");
  const textSkips: [number, string][] = [];
  expect((await collect(transcriptToWireText(path, { onSkip: (line, reason) => textSkips.push([line, reason]) }))).join("")).toBe(jsonl);
  expect(textSkips).toEqual(oldSkips);
  for (const timing of [{ mode: "instant" }, { mode: "paced", intervalMs: 0 }] as const) {
    const { out, text } = sink();
    await emitWire(path, timing, out);
    expect(text(), timing.mode).toBe(jsonl);
  }
  return jsonl;
}

describe("the example sessions replay as before", () => {
  /** Each example as its test runs it, on its bundled script, into a fresh session directory. */
  const examples: { name: string; args?: string[]; input?: string }[] = [
    { name: "hello" },
    { name: "artifacts" },
    { name: "ask", input: "Ada\n2\ny\n" },
    { name: "haiku-tournament" },
    { name: "iterate", args: ["--work-dir"] },
    { name: "parallel" },
    { name: "scan" },
  ];

  it("covers every example", () => {
    expect(examples.map((example) => example.name).sort()).toEqual(
      readdirSync(join(repo, "examples"), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort(),
    );
  });

  for (const example of examples) {
    it(`examples/${example.name}: byte for byte, in process and from open --emit-wire`, { timeout: 60_000 }, async () => {
      const sessionDir = join(work, example.name, "session");
      // An example that writes files gets a working directory of its own, never the checkout.
      const workDir = join(work, example.name, "work");
      mkdirSync(workDir, { recursive: true });
      const extra = example.args?.includes("--work-dir") ? ["--work-dir", workDir] : [];
      const run = await runCli(["run", `examples/${example.name}`, "--no-tui", "--session-dir", sessionDir, ...extra], {
        deadlineMs: 45_000,
        ...(example.input ? { input: example.input } : {}),
      });
      expect(run.code, run.stderr).toBe(0);
      const transcript = join(sessionDir, "transcript.jsonl");
      const jsonl = await expectSameAsOracle(transcript);
      const opened = await runCli(["open", sessionDir, "--emit-wire"]);
      expect(opened.code, opened.stderr).toBe(0);
      expect(opened.stdout).toBe(jsonl);
      // The splice is taken: every row of an event that derives no frame is vouched for unparsed.
      const lines = readFileSync(transcript, "utf8").trimEnd().split("\n");
      const plain = lines.filter((line) => !frameEvents.has(JSON.parse(line).event as string));
      expect(plain.length).toBeGreaterThan(0);
      expect(plain.filter((line) => !isPlainRowLine(line) && depthOf(JSON.parse(line)) <= MAX_DEPTH + 1)).toEqual([]);
    });
  }
});

/** How deeply a value nests objects and arrays (a scalar: 0). */
const depthOf = (value: unknown): number =>
  typeof value === "object" && value !== null ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOf)) : 0;

/** The data of every event kind the wire schema's conformance files hold a valid row of. */
const conformanceRows = (): { event: string; data: unknown }[] => {
  const dir = join(repo, "wire-schema/conformance/valid");
  return readdirSync(dir)
    .filter((file) => file.startsWith("event-"))
    .map((file) => (JSON.parse(readFileSync(join(dir, file), "utf8")) as { row: { event: string; data: unknown } }).row)
    .map(({ event, data }) => ({ event, data }));
};

/** Where a line's structure is: a bracket, a colon, a comma or a quote. */
const structural = (line: string): number[] => [...line].flatMap((char, index) => ('{}[]:,"'.includes(char) ? [index] : []));

/** A fuzzed transcript: rows of every kind written many ways, junk, damage, odd line ends. */
function fuzzedTranscript(rand: () => number, rows: { event: string; data: unknown }[], count: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const chance = (p: number) => rand() < p;
  let seq = 0;
  let ts = 1_760_000_000_000;
  const nest = (data: unknown, depth: number): unknown => (depth === 0 ? data : chance(0.5) ? { inner: nest(data, depth - 1) } : [nest(data, depth - 1)]);
  const seqText = () =>
    pick([
      `${++seq}`,
      `${++seq}`,
      `${++seq}`,
      `${seq}`,
      `${seq - 2}`,
      "0",
      "-3",
      `${++seq}.0`,
      `${++seq}e0`,
      "1e2",
      "12345678901234567890",
      '"7"',
      "1.5",
      "null",
    ]);
  const tsText = () => pick([`${(ts += 7)}`, `${(ts += 7)}`, `${ts}.5`, "1e400", "-1", "0", "1E+3", '"x"', "null", "-0"]);
  const eventText = (event: string) =>
    chance(0.9) ? JSON.stringify(event) : pick(['"llm\\/delta"', '"debug\\/mode"', '"runner\\u002fdone"', '"constructor"', '"__proto__"', '""', "1", "null"]);
  const extra = () =>
    pick([
      ',"hash":"0f3a"',
      ',"x":{"deep":[1,[2,[3,[4,[5]]]]]}',
      ',"seq":"x"',
      ',"seq":99',
      ',"ts":null',
      ',"event":"runner/done"',
      ',"event":"llm/delta"',
      ',"data":{"invokeId":"a","turn":1,"kind":"text","text":"t"}',
      ',"s\\u0065q":1',
      ',"ev\\u0065nt":"debug/mode"',
      ',"t\\u0073":"x"',
      ',"extra":[]',
      ',"":{}',
    ]);
  const texts = ["plain", 'quote " and \\ back', "ctl \u0001\u001f tab\t nl\n cr\r", "ls \u2028 ps \u2029", "emoji 🎉 é", "/slash/", "\u0000"];
  const flavour = (data: unknown): unknown => {
    if (!chance(0.3) || typeof data !== "object" || data === null) return data;
    return { ...(data as object), text: pick(texts), n: pick([0, -0.5, 1e21, 3.25e-7, 12]), flag: pick([true, false, null]) };
  };
  const rowLine = (): string => {
    const { event, data } = pick(rows);
    const body = chance(0.15) ? nest(flavour(data), Math.floor(rand() * 7)) : flavour(data);
    if (chance(0.6)) return JSON.stringify({ seq: ++seq, ts: (ts += 7), event, data: body });
    const fields = [`"seq":${seqText()}`, `"ts":${tsText()}`, `"event":${eventText(event)}`, `"data":${JSON.stringify(body)}`];
    if (chance(0.2)) fields.sort(() => rand() - 0.5);
    if (chance(0.1)) fields.splice(Math.floor(rand() * fields.length), 1);
    let line = `{${fields.join(",")}${chance(0.3) ? extra() : ""}${chance(0.1) ? extra() : ""}}`;
    if (chance(0.05)) line = line.replace(",", ", ");
    if (chance(0.03)) line = ` ${line}`;
    if (chance(0.03)) line = `${line} `;
    return line;
  };
  /** A change at the structure, where a matcher is most likely to be too lenient. */
  const breakStructure = (line: string): string => {
    const marks = structural(line);
    if (marks.length === 0) return line;
    const at = pick(marks);
    const other = pick(["{", "}", "[", "]", ":", ",", ",", ",", '"', ",,", "[]", "{}", '""', ':"', '",']);
    switch (Math.floor(rand() * 4)) {
      case 0:
        return line.slice(0, at) + other + line.slice(at);
      case 1:
        return line.slice(0, at) + line.slice(at + 1);
      case 2:
        return line.slice(0, at) + other + line.slice(at + 1);
      default:
        return line.slice(0, at + 1) + other + line.slice(at + 1);
    }
  };
  const damage = (line: string): string => {
    if (chance(0.7)) return breakStructure(line);
    const at = Math.floor(rand() * (line.length + 1));
    const char = pick(["{", "}", "[", "]", '"', ",", ":", "\\", "0", "9", "-", ".", "e", "a", " ", "\u0001", "\u00e9"]);
    switch (Math.floor(rand() * 5)) {
      case 0:
        return line.slice(0, at);
      case 1:
        return line.slice(0, at) + line.slice(at + 1);
      case 2:
        return line.slice(0, at) + char + line.slice(at);
      case 3:
        return line.slice(0, at) + char + line.slice(at + 1);
      default:
        return line + line;
    }
  };
  const junk = () => pick(["", "[1,2]", "null", '"row"', "{}", '{"seq":1}', "nope", "{", '{"seq":1,"ts":2,"event":"a/b","data":{}', "1"]);
  const lines: string[] = [];
  if (chance(0.7)) lines.push(JSON.stringify({ seq: ++seq, ts, event: "runner/started", data: { sessionId: "s", runId: "r", chartId: "c", resumed: false } }));
  for (let i = 0; i < count; i++) {
    const r = rand();
    const line = r < 0.08 ? junk() : r < 0.4 ? damage(rowLine()) : rowLine();
    lines.push(line);
  }
  let text = "";
  for (const line of lines) text += line + pick(["\n", "\n", "\n", "\n", "\n", "\n", "\r\n", "\r\n\n", "\r"]);
  if (chance(0.3)) text = text.trimEnd();
  if (chance(0.3)) text += pick(['{"seq":99,"ts":1,"ev', "{", '{"seq":', "\r"]);
  return text;
}

describe("a fuzzed corpus replays as before", () => {
  const rows = conformanceRows();

  it("the conformance rows hold every event that derives a frame", () => {
    const kinds = new Set(rows.map((row) => row.event));
    for (const event of frameEvents) expect(kinds, event).toContain(event);
  });

  it("byte for byte on 60 fuzzed transcripts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "escapement-splice-fuzz-"));
    const rand = prng(23);
    for (let n = 0; n < 60; n++) {
      const path = join(dir, `t${n}.jsonl`);
      writeFileSync(path, fuzzedTranscript(rand, rows, 150));
      await expectSameAsOracle(path);
    }
  });

  it("byte for byte on a fuzzed transcript of many chunks (lines cut across reads)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "escapement-splice-fuzz-")), "big.jsonl");
    writeFileSync(path, fuzzedTranscript(prng(24), rows, 4000));
    expect(readFileSync(path).length).toBeGreaterThan(4 * 65_536);
    await expectSameAsOracle(path);
  });

  it("a line vouched for unparsed is a row that derives no frame, and the writer's rows are vouched for", () => {
    const rand = prng(7);
    let vouched = 0;
    for (let n = 0; n < 40; n++) {
      for (const line of fuzzedTranscript(rand, rows, 200).split(/\r?\n/)) {
        const row = rowOfLine(line);
        if (isPlainRowLine(line)) {
          vouched++;
          expect(row, line).toBeDefined();
          expect(frameEvents.has(row!.event), line).toBe(false);
        }
      }
    }
    expect(vouched).toBeGreaterThan(1000);
    // Every one-character change at the structure of every kind of row, written the writer's way.
    for (const { event, data } of rows) {
      const line = JSON.stringify({ seq: 12, ts: 1_760_000_000_000, event, data: { ...(data as object), list: [1, { a: [] }, "x"], empty: {} } });
      for (const at of structural(line)) {
        for (const changed of [
          line.slice(0, at) + line.slice(at + 1),
          ...[",", "}", "]", ":", '"', "{", "[", " "].flatMap((char) => [
            line.slice(0, at) + char + line.slice(at),
            line.slice(0, at) + char + line.slice(at + 1),
          ]),
        ]) {
          if (!isPlainRowLine(changed)) continue;
          vouched++;
          const row = rowOfLine(changed);
          expect(row, changed).toBeDefined();
          expect(frameEvents.has(row!.event), changed).toBe(false);
        }
      }
    }
    for (const { event, data } of rows) {
      const line = JSON.stringify({ seq: 12, ts: 1_760_000_000_000, event, data });
      if (depthOf(data) <= MAX_DEPTH) expect(isPlainRowLine(line), line).toBe(!frameEvents.has(event));
    }
  });

  it("every one-character change anywhere in a row holding every kind of JSON value", () => {
    const line = JSON.stringify({
      seq: 120,
      ts: 1_760_000_000_000.5,
      event: "llm/tool-call",
      data: { s: 'a"b\\c\n\u0001\u2028é', n: [0, -1, 2.5, -3e-7, 4e21], t: true, f: false, z: null, o: {}, a: [], deep: { x: [1] } },
      hash: "0f3a",
    });
    expect(isPlainRowLine(line)).toBe(true);
    const chars = ["{", "}", "[", "]", ":", ",", '"', "\\", " ", "0", "1", "-", "+", ".", "e", "E", "a", "l", "n", "t", "u", "x", "\u0001"];
    let vouched = 0;
    for (let at = 0; at <= line.length; at++) {
      const changed = [
        line.slice(0, at) + line.slice(at + 1),
        ...chars.flatMap((char) => [line.slice(0, at) + char + line.slice(at), line.slice(0, at) + char + line.slice(at + 1)]),
      ];
      for (const text of changed) {
        if (!isPlainRowLine(text)) continue;
        vouched++;
        expect(rowOfLine(text), text).toBeDefined();
      }
    }
    expect(vouched).toBeGreaterThan(100);
  });

  it("a line too long or too deep for the matcher is parsed instead", () => {
    const deep = JSON.stringify({ seq: 1, ts: 2, event: "llm/tool-call", data: { args: JSON.parse("[".repeat(200) + "]".repeat(200)) } });
    expect(isPlainRowLine(deep)).toBe(false);
    const long = JSON.stringify({ seq: 1, ts: 2, event: "llm/tool-result", data: { items: Array.from({ length: 200_000 }, (_, i) => ({ i })) } });
    expect(typeof isPlainRowLine(long)).toBe("boolean");
  });
});

describe("what the splice relies on", () => {
  it("frameEvents names exactly the rows whose data the frames-only sequencer reads", () => {
    for (const event of [...eventNames, "x/unknown", "constructor", "__proto__"]) {
      let read = false;
      const row = {
        seq: 1,
        ts: 0,
        event,
        get data() {
          read = true;
          return {};
        },
      };
      createFramesOnlySequencer().push(row);
      expect(read, event).toBe(frameEvents.has(event));
    }
  });

  it("the writer writes seq, ts, event and data first, in that order", () => {
    const path = join(mkdtempSync(join(tmpdir(), "escapement-splice-writer-")), "transcript.jsonl");
    const writer = new TranscriptWriter(path, { clock: { now: () => 1_760_000_000_123, setTimeout: () => 0, clearTimeout: () => {} }, streamRows: deltaRows });
    writer.append("runner/started", { sessionId: "s", runId: "r", chartId: "c", resumed: false });
    writer.append("llm/delta", { invokeId: "a", turn: 1, kind: "text", text: "He" });
    writer.append("llm/delta", { invokeId: "a", turn: 1, kind: "text", text: "llo" });
    writer.append("debug/step", { n: 2 });
    writer.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines.map((line) => /^\{"seq":(\d+),"ts":(\d+),"event":"([^"]+)","data":\{/.exec(line)?.slice(1))).toEqual([
      ["1", "1760000000123", "runner/started"],
      ["2", "1760000000123", "llm/delta"],
      ["3", "1760000000123", "debug/step"],
    ]);
    expect(lines.map(isPlainRowLine)).toEqual([true, true, false]);
  });
});

describe("event-processed rows that move nothing", () => {
  const row = (seq: number, event: string, data: unknown) => JSON.stringify({ seq, ts: 1_760_000_000_000 + seq, event, data });
  const processed = (after: string[], more: Record<string, unknown> = {}) => ({ event: "tick", before: after, after, entered: [], exited: [], ...more });

  it("are vouched for only when they entered and exited nothing and their after is the phase, as text", () => {
    const still = row(5, "runner/event-processed", processed(["a", "b"], { stateHash: "0123456789abcdef" }));
    expect(isUnmovedEventLine(still, '["a","b"]')).toBe(true);
    expect(isUnmovedEventLine(row(5, "runner/event-processed", processed(["a", "b"])), '["a","b"]')).toBe(true);
    const withData = { event: "tick", eventData: { n: [1, { x: "y" }] }, before: ["a"], after: ["a", "b"], entered: [], exited: [] };
    expect(isUnmovedEventLine(row(5, "runner/event-processed", withData), '["a","b"]')).toBe(true);
    // The same set in another order, another phase, a state entered, a later data key, another key order: parsed.
    expect(isUnmovedEventLine(row(5, "runner/event-processed", processed(["b", "a"])), '["a","b"]')).toBe(false);
    expect(isUnmovedEventLine(still, '["a"]')).toBe(false);
    expect(isUnmovedEventLine(row(5, "runner/event-processed", { ...processed(["a", "b"]), entered: ["b"] }), '["a","b"]')).toBe(false);
    expect(isUnmovedEventLine(`${still.slice(0, -1)},"data":{"after":["c"],"entered":["c"]}}`, '["a","b"]')).toBe(false);
    expect(isUnmovedEventLine(row(5, "runner/event-processed", { after: ["a", "b"], event: "tick", before: [], entered: [], exited: [] }), '["a","b"]')).toBe(
      false,
    );
    expect(isUnmovedEventLine(row(5, "llm/delta", processed(["a", "b"])), '["a","b"]')).toBe(false);
  });

  it("replay byte for byte as before, moved or not, valid or not", async () => {
    const lines = [
      row(1, "runner/started", { sessionId: "s", runId: "r", chartId: "c", resumed: false }),
      // Before any phase: an unmoved row against [].
      row(2, "runner/event-processed", processed([])),
      row(3, "runner/start-config", { config: ["a", "b"] }),
      row(4, "runner/event-processed", processed(["a", "b"], { stateHash: "0123456789abcdef" })),
      row(5, "runner/event-processed", processed(["b", "a"])),
      row(6, "runner/event-processed", {
        event: "tick",
        eventData: { text: 'quote " and \\', list: [1, [2, { deep: true }]] },
        before: [],
        after: ["a", "b"],
        entered: [],
        exited: [],
      }),
      // Data that does not validate derives nothing, whatever it says.
      row(7, "runner/event-processed", { ...processed(["a", "b"]), before: "x" }),
      `${row(8, "runner/event-processed", processed(["a", "b"])).slice(0, -1)},"data":{"event":"jump","before":["a","b"],"after":["c"],"entered":["c"],"exited":["a","b"]}}`,
      row(9, "runner/event-processed", processed(["c"])),
      row(10, "runner/event-processed", { ...processed(["c"]), entered: ["d"], after: ["c", "d"] }),
      row(11, "runner/event-processed", processed(["c", "d"])),
      row(12, "runner/event-processed", processed(["c"])),
      row(13, "runner/event-processed", processed(["c", "d"], { stateHash: "x" })).replace('"after":["c","d"]', '"after":["\\u0063","d"]'),
      row(14, "runner/event-processed", processed(["c"])),
      row(15, "runner/done", { finalConfig: ["c"], status: "done" }),
    ];
    const dir = mkdtempSync(join(tmpdir(), "escapement-splice-unmoved-"));
    const path = join(dir, "transcript.jsonl");
    writeFileSync(path, `${lines.join("\n")}\n`);
    const jsonl = await expectSameAsOracle(path);
    // The moved rows did derive their phase frames.
    expect(jsonl.split("\n").filter((line) => line.includes('"kind":"phase"')).length).toBeGreaterThanOrEqual(4);
  });
});
