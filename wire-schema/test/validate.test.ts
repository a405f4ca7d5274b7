import { describe, expect, expectTypeOf, it } from "vitest";
import {
  decodeInbound,
  decodeOutbound,
  encodeFrame,
  MAX_INBOUND_FRAME_BYTES,
  MAX_OUTBOUND_FRAME_BYTES,
  utf8Length,
  validateEventData,
  validateFrame,
  validateTranscriptRow,
  type AnyFrame,
  type FrameResult,
  type InboundFrame,
  type OutboundFrame,
} from "../src/index.js";

const delta = {
  v: 1,
  kind: "event",
  seq: 7,
  row: { seq: 6, ts: 1_760_000_000_000, event: "llm/delta", data: { invokeId: "draft-1", turn: 1, kind: "text", text: "hi" } },
};
const attach = { v: 1, kind: "attach", token: "t0k", protocol: { name: "escapement-wire", version: "1.0.0" }, since: 3 };

const errorOf = (result: FrameResult<unknown>) => (result.ok ? undefined : result.error);

describe("validateFrame: bad input is a typed error naming the path", () => {
  it("accepts a valid frame as an object and as text, returning the frame", () => {
    expect(validateFrame(delta)).toEqual({ ok: true, frame: delta });
    expect(validateFrame(JSON.stringify(delta))).toEqual({ ok: true, frame: delta });
  });

  it.each([
    ["{", "malformed-json"],
    ['{"v":1,"kind":"ping",}', "malformed-json"],
    ["", "malformed-json"],
    ["undefined", "malformed-json"],
    ["[1,2", "malformed-json"],
  ])("malformed JSON %j -> %s at the root", (text, code) => {
    const error = errorOf(validateFrame(text));
    expect(error).toMatchObject({ code, path: "" });
    expect(error?.message).toMatch(/^\(frame\): malformed JSON: /);
  });

  it.each([
    ["null", ""],
    ["42", ""],
    ['"ping"', ""],
    ["[]", ""],
  ])("non-object JSON %s -> invalid-frame at the root", (text, path) => {
    expect(errorOf(validateFrame(text))).toMatchObject({ code: "invalid-frame", path, message: "(frame): must be an object" });
  });

  it("wrong types name the exact path", () => {
    expect(errorOf(validateFrame({ ...delta, seq: "7" }))).toEqual({
      code: "invalid-frame",
      path: "/seq",
      message: "/seq: must be integer",
    });
    expect(errorOf(validateFrame({ ...delta, row: { ...delta.row, data: { ...delta.row.data, turn: 1.5 } } }))).toEqual({
      code: "invalid-frame",
      path: "/row/data/turn",
      message: "/row/data/turn: must be integer",
    });
    expect(errorOf(validateFrame({ ...delta, row: { ...delta.row, ts: "2025-01-01" } }))).toMatchObject({ path: "/row/ts" });
    expect(errorOf(validateFrame({ ...attach, protocol: { name: "escapement-wire", version: 1 } }))).toMatchObject({
      path: "/protocol/version",
      message: "/protocol/version: must be string",
    });
  });

  it("missing fields name the missing property", () => {
    const { token: _token, ...noToken } = attach;
    expect(errorOf(validateFrame(noToken))).toEqual({ code: "invalid-frame", path: "/token", message: "/token: is required" });
    const { text: _text, ...noText } = delta.row.data;
    expect(errorOf(validateFrame({ ...delta, row: { ...delta.row, data: noText } }))).toMatchObject({
      path: "/row/data/text",
      message: "/row/data/text: is required",
    });
    expect(errorOf(validateFrame({ v: 1 }))).toMatchObject({ code: "invalid-frame", path: "/kind" });
    expect(errorOf(validateFrame({ kind: "ping" }))).toMatchObject({ code: "invalid-frame", path: "/v" });
  });

  it("enum and const failures list what is allowed", () => {
    expect(errorOf(validateFrame({ v: 1, kind: "control", action: "rewind" }))?.message).toBe(
      '/action: must be one of "pause", "step", "continue", "arm-pause-on-next-external", "interrupt", "quit"',
    );
    expect(errorOf(validateFrame({ ...attach, protocol: { name: "x", version: "1.0.0" } }))?.message).toBe('/protocol/name: must be "escapement-wire"');
  });

  it("an unknown major version is unsupported-version at /v, checked before anything else", () => {
    for (const v of [0, 2, 99]) {
      expect(errorOf(validateFrame({ v, kind: "whatever-v2-has" }))).toMatchObject({ code: "unsupported-version", path: "/v" });
    }
    expect(errorOf(validateFrame({ v: 1.5, kind: "ping" }))).toMatchObject({ code: "invalid-frame", path: "/v" });
    expect(errorOf(validateFrame({ v: "1", kind: "ping" }))).toMatchObject({ code: "invalid-frame", path: "/v" });
  });

  it("a protocol.version whose major differs from v is rejected at /protocol/version", () => {
    expect(errorOf(validateFrame({ ...attach, protocol: { name: "escapement-wire", version: "2.0.0" } }))).toMatchObject({
      code: "invalid-frame",
      path: "/protocol/version",
    });
    expect(validateFrame({ ...attach, protocol: { name: "escapement-wire", version: "1.9.3" } }).ok).toBe(true);
  });

  it("an unknown kind is unknown-kind at /kind, per direction", () => {
    expect(errorOf(validateFrame({ v: 1, kind: "subscribe" }))).toMatchObject({ code: "unknown-kind", path: "/kind" });
    expect(errorOf(validateFrame(attach, { direction: "outbound" }))).toMatchObject({ code: "unknown-kind", path: "/kind" });
    expect(errorOf(validateFrame(delta, { direction: "inbound" }))).toMatchObject({ code: "unknown-kind", path: "/kind" });
    expect(validateFrame(attach, { direction: "inbound" }).ok).toBe(true);
    expect(validateFrame(delta, { direction: "outbound" }).ok).toBe(true);
  });

  it("a huge unknown kind does not produce a huge message", () => {
    const error = errorOf(validateFrame({ v: 1, kind: "k".repeat(10_000) }));
    expect(error?.code).toBe("unknown-kind");
    expect(error?.message.length).toBeLessThan(120);
  });

  describe("size limit", () => {
    /** A valid attach frame of exactly `bytes` UTF-8 bytes, padded through client.name. */
    const attachOfSize = (bytes: number, pad = "x"): string => {
      const base = JSON.stringify({ ...attach, client: { name: "" } });
      const padBytes = utf8Length(pad);
      const room = bytes - utf8Length(base);
      const name = pad.repeat(Math.floor(room / padBytes)) + "x".repeat(room % padBytes);
      const text = JSON.stringify({ ...attach, client: { name } });
      expect(utf8Length(text)).toBe(bytes);
      return text;
    };

    it("accepts a frame of exactly the inbound limit and rejects one byte more", () => {
      expect(decodeInbound(attachOfSize(MAX_INBOUND_FRAME_BYTES)).ok).toBe(true);
      const error = errorOf(decodeInbound(attachOfSize(MAX_INBOUND_FRAME_BYTES + 1)));
      expect(error).toMatchObject({ code: "too-large", path: "" });
      expect(error?.message).toBe(`(frame): frame is at least ${MAX_INBOUND_FRAME_BYTES + 1} bytes; the limit is ${MAX_INBOUND_FRAME_BYTES}`);
    });

    it("counts UTF-8 bytes, not characters", () => {
      const text = attachOfSize(MAX_INBOUND_FRAME_BYTES + 3, "é");
      expect(text.length).toBeLessThan(MAX_INBOUND_FRAME_BYTES);
      expect(errorOf(decodeInbound(text))?.code).toBe("too-large");
      expect(decodeInbound(attachOfSize(MAX_INBOUND_FRAME_BYTES, "😀")).ok).toBe(true);
    });

    it("checks bytes input before decoding it", () => {
      const bytes = new TextEncoder().encode(attachOfSize(MAX_INBOUND_FRAME_BYTES + 1));
      expect(errorOf(decodeInbound(bytes))).toMatchObject({ code: "too-large", path: "" });
      expect(decodeInbound(new TextEncoder().encode(JSON.stringify(attach))).ok).toBe(true);
    });

    it("allows 4 MiB for core -> renderer frames", () => {
      const big = JSON.stringify({ ...delta, row: { ...delta.row, data: { ...delta.row.data, text: "x".repeat(2 << 20) } } });
      expect(decodeOutbound(big).ok).toBe(true);
      expect(errorOf(validateFrame(big))?.code).toBe("too-large");
      const tooBig = JSON.stringify({ ...delta, row: { ...delta.row, data: { ...delta.row.data, text: "x".repeat(MAX_OUTBOUND_FRAME_BYTES) } } });
      expect(errorOf(decodeOutbound(tooBig))?.code).toBe("too-large");
    });

    it("honours a custom limit", () => {
      expect(errorOf(validateFrame(JSON.stringify(attach), { maxBytes: 10 }))?.code).toBe("too-large");
    });
  });

  it("rejects invalid UTF-8 bytes as malformed-json", () => {
    expect(errorOf(decodeInbound(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))).toMatchObject({ code: "malformed-json", path: "" });
  });

  it("never throws, whatever it is given", () => {
    const circular: Record<string, unknown> = { v: 1, kind: "event", seq: 1 };
    circular.row = circular;
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("boom");
        },
      },
    );
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const deepData = JSON.stringify({ ...delta, row: { ...delta.row, event: "x/y", data: JSON.parse(`${"[".repeat(1000)}${"]".repeat(1000)}`) } });
    for (const input of [undefined, null, 1n, Symbol("s"), () => 1, circular, hostile, deep, deepData, new Uint8Array(0), NaN]) {
      expect(() => validateFrame(input)).not.toThrow();
      const result = validateFrame(input);
      if (input !== deepData) expect(result.ok).toBe(false);
    }
    expect(validateFrame(deepData).ok).toBe(true);
    expect(errorOf(validateFrame(hostile))).toMatchObject({ code: "invalid-frame", path: "" });
  });
});

describe("typed decoders", () => {
  it("decodeInbound returns renderer -> core frames typed", () => {
    const result = decodeInbound(JSON.stringify(attach));
    expectTypeOf(result).toEqualTypeOf<FrameResult<InboundFrame>>();
    expect(result.ok).toBe(true);
    if (result.ok && result.frame.kind === "attach") expect(result.frame.since).toBe(3);
  });

  it("validateFrame's result type follows the direction option", () => {
    expectTypeOf(validateFrame(attach)).toEqualTypeOf<FrameResult<AnyFrame>>();
    expectTypeOf(validateFrame(attach, { direction: "inbound" })).toEqualTypeOf<FrameResult<InboundFrame>>();
    expectTypeOf(validateFrame(delta, { direction: "outbound" })).toEqualTypeOf<FrameResult<OutboundFrame>>();
  });

  it("decodeInbound rejects a core -> renderer frame", () => {
    expect(errorOf(decodeInbound(JSON.stringify(delta)))).toMatchObject({ code: "unknown-kind", path: "/kind" });
  });

  it("decodeOutbound returns core -> renderer frames typed", () => {
    const result = decodeOutbound(JSON.stringify(delta));
    expectTypeOf(result).toEqualTypeOf<FrameResult<OutboundFrame>>();
    expect(result.ok && result.frame.kind === "event" && result.frame.row.event).toBe("llm/delta");
  });

  it("decodeOutbound reports a newer minor's kind as unknown-kind, for the renderer to skip", () => {
    expect(errorOf(decodeOutbound('{"v":1,"kind":"cost-report","seq":4}'))).toMatchObject({ code: "unknown-kind" });
  });

  it("passes fields a newer minor adds through untouched", () => {
    const newer = { ...delta, priority: "low", row: { ...delta.row, host: "ci", data: { ...delta.row.data, lang: "en" } } };
    expect(decodeOutbound(JSON.stringify(newer))).toEqual({ ok: true, frame: newer });
  });

  it("answer needs exactly one of value and cancelled", () => {
    expect(decodeInbound('{"v":1,"kind":"answer","promptId":"p","value":null}').ok).toBe(true);
    expect(decodeInbound('{"v":1,"kind":"answer","promptId":"p","cancelled":true}').ok).toBe(true);
    expect(errorOf(decodeInbound('{"v":1,"kind":"answer","promptId":"p"}'))).toMatchObject({ path: "/value" });
    expect(errorOf(decodeInbound('{"v":1,"kind":"answer","promptId":"p","value":1,"cancelled":true}'))).toMatchObject({
      path: "/value",
      message: "/value: must not be present",
    });
  });

  it("control step n must be a whole number >= 1", () => {
    expect(errorOf(decodeInbound('{"v":1,"kind":"control","action":"step","n":0}'))).toEqual({
      code: "invalid-frame",
      path: "/n",
      message: "/n: must be >= 1",
    });
  });

  it("encodeFrame is the JSON text that decodes back to the same frame", () => {
    const text = encodeFrame(delta as OutboundFrame);
    expect(text).toBe(JSON.stringify(delta));
    expect(text).not.toContain("\n");
    expect(decodeOutbound(text)).toEqual({ ok: true, frame: delta });
  });
});

describe("validateEventData and validateTranscriptRow", () => {
  it("validates known event data with paths relative to data", () => {
    expect(validateEventData("llm/delta", delta.row.data)).toEqual({ ok: true, data: delta.row.data });
    expect(validateEventData("llm/delta", { ...delta.row.data, kind: "audio" })).toMatchObject({
      ok: false,
      error: { code: "invalid-data", path: "/kind" },
    });
    expect(validateEventData("human-input/requested", { promptId: "p", invokeId: "i", kind: "text", message: "?" })).toMatchObject({
      ok: false,
      error: { path: "/schema" },
    });
  });

  it("accepts any data for an event name it does not know (forward compatibility)", () => {
    expect(validateEventData("planner/replanned", 42)).toEqual({ ok: true, data: 42 });
    expect(validateFrame({ ...delta, row: { ...delta.row, event: "planner/replanned", data: [1] } }).ok).toBe(true);
  });

  it("validates a transcript row as parsed JSON or as a JSONL line", () => {
    expect(validateTranscriptRow(delta.row)).toEqual({ ok: true, row: delta.row });
    expect(validateTranscriptRow(`${JSON.stringify(delta.row)}`).ok).toBe(true);
    expect(validateTranscriptRow({ ...delta.row, data: { ...delta.row.data, turn: 0 } })).toMatchObject({
      ok: false,
      error: { code: "invalid-row", path: "/data/turn" },
    });
    expect(validateTranscriptRow("{oops")).toMatchObject({ ok: false, error: { code: "malformed-json" } });
    expect(validateTranscriptRow([])).toEqual({
      ok: false,
      error: { code: "invalid-row", path: "", message: "(row): must be an object" },
    });
    expect(validateEventData("llm/delta", "text")).toEqual({
      ok: false,
      error: { code: "invalid-data", path: "", message: "(data): must be object" },
    });
  });
});
