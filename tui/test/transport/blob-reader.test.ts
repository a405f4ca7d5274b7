import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBlobReader, isSafeRef } from "../../src/transport/index.ts";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "esc-blobs-"));
  mkdirSync(join(dir, "io"));
  writeFileSync(join(dir, "io", "greeter-t1-response.json"), '{"content":[]}');
  writeFileSync(join(dir, "io", "big.txt"), "x".repeat(100));
  writeFileSync(join(dir, "io.jsonl"), '{"name":"a-t1-request","payload":{"messages":[]}}\n{"name":"a-t1-response","payload":{"content":[]}}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("blob reader", () => {
  test("reads a ref relative to the session directory", async () => {
    expect(await createBlobReader(dir).read("io/greeter-t1-response.json")).toEqual({ ok: true, text: '{"content":[]}', bytes: 14, truncated: false });
  });

  test("reads a range ref: the payload's bytes inside the session's io pack", async () => {
    const pack = '{"name":"a-t1-request","payload":{"messages":[]}}\n{"name":"a-t1-response","payload":';
    const ref = `io.jsonl#offset=${pack.length}&length=14`;
    expect(await createBlobReader(dir).read(ref)).toEqual({ ok: true, text: '{"content":[]}', bytes: 14, truncated: false });
    expect(await createBlobReader(dir, { maxBytes: 5 }).read(ref)).toEqual({ ok: true, text: '{"con', bytes: 14, truncated: true });
    expect(await createBlobReader(dir).read("../io.jsonl#offset=0&length=5")).toMatchObject({ ok: false });
  });

  test("a missing blob is a clear message, not an exception", async () => {
    const result = await createBlobReader(dir).read("io/nope.json");
    expect(result).toEqual({ ok: false, message: `Blob missing: io/nope.json is not in ${dir}.` });
  });

  test("without a session directory it says how to give one", async () => {
    expect(await createBlobReader(undefined).read("io/a.json")).toEqual({
      ok: false,
      message: "Cannot show io/a.json: no session directory. Start the TUI with --session-dir <dir>.",
    });
  });

  test("refs outside the session directory are refused", async () => {
    for (const ref of ["../secret", "/etc/passwd", "io/../../x", "C:\\x", ""]) expect(isSafeRef(ref)).toBe(false);
    expect(isSafeRef("io/a-t1-request.json")).toBe(true);
    expect(await createBlobReader(dir).read("../x")).toEqual({ ok: false, message: 'Refusing "../x": not a path inside the session directory.' });
  });

  test("a blob over the limit shows its start", async () => {
    expect(await createBlobReader(dir, { maxBytes: 10 }).read("io/big.txt")).toEqual({ ok: true, text: "x".repeat(10), bytes: 100, truncated: true });
  });
});
