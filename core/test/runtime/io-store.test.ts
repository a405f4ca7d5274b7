/** The io pack: one `{"name","payload"}` line per payload, each payload found again by its ref. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IoStore, readBlob } from "../../src/runtime/io-store.js";
import { readLines } from "../../src/runtime/read-lines.js";
import { IO_PACK } from "../../src/runtime/session-dir.js";

describe("IoStore", () => {
  it("payloads holding U+2028, U+2029 and other multi-byte text come back by ref, one pack line each", async () => {
    const dir = mkdtempSync(join(tmpdir(), "escapement-io-"));
    const store = new IoStore(dir);
    const payloads = [
      { content: [{ type: "text", text: "line\u2028separator" }] },
      { content: [{ type: "text", text: "paragraph\u2029separator, é 😀" }] },
      { output: "plain\r\nwindows text\n" },
    ];
    const refs = payloads.map((payload, index) => store.put(`call-${index}`, payload));
    expect(refs.map((ref) => JSON.parse(readBlob(dir, ref)!))).toEqual(payloads);
    const lines: string[] = [];
    for await (const line of readLines(join(dir, IO_PACK))) lines.push(line);
    expect(lines.map((line) => JSON.parse(line))).toEqual(payloads.map((payload, index) => ({ name: `call-${index}`, payload })));
  });
});
