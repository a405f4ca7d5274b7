import { describe, expect, test } from "bun:test";
import { blobMarkdown, blockMarkdown, fenced, BLOCK_CHARS_MAX } from "../../src/domain/index.ts";

const request = {
  model: "smart",
  system: "You greet people.",
  messages: [
    { role: "user", content: [{ type: "text", text: "Greet **Ada**." }] },
    {
      role: "assistant",
      content: [
        { type: "thinking", text: "A short greeting\nwill do." },
        { type: "tool-call", id: "call-1", name: "lookup", input: { name: "Ada" } },
      ],
    },
    { role: "user", content: [{ type: "tool-result", toolCallId: "call-1", name: "lookup", output: "no ```fences``` here", isError: true }] },
  ],
  tools: [{ name: "lookup", description: "Find a person\nby name.", inputSchema: {} }],
  params: { temperature: 0.2 },
  stream: true,
  origin: { invokeId: "greeter", stateId: "hello.greet", turn: 1 },
};

const response = {
  content: [
    { type: "text", text: "| name | greeting |\n|---|---|\n| Ada | Hello |" },
    { type: "image", source: { kind: "base64", mediaType: "image/png", data: "A".repeat(4096) } },
  ],
  stopReason: "end_turn",
  usage: { input: 812, output: 38, cacheRead: 0, cacheWrite: 812 },
  target: "anthropic:claude-sonnet-4-5",
  ttftMs: 410.4,
};

describe("blob documents", () => {
  test("a request: model, system, every message's blocks, tools", () => {
    const md = blobMarkdown(JSON.stringify(request), { ref: "io/greeter-t1-request.json", title: "greeter · turn 1 · request", kind: "request" });
    expect(md).toBe(
      [
        "# greeter · turn 1 · request",
        "model `smart` · 3 messages · tools `lookup` · temperature 0.2",
        "## System",
        "You greet people.",
        "## 1 · user",
        "Greet **Ada**.",
        "## 2 · assistant",
        "> *thinking*\n>\n> A short greeting\n> will do.",
        '**→ tool call** `lookup` · `call-1`\n\n```json\n{\n  "name": "Ada"\n}\n```',
        "## 3 · user",
        "**← tool result** `lookup` · `call-1` · **error**\n\n````\nno ```fences``` here\n````",
        "## Tools",
        "- `lookup`: Find a person by name.",
      ].join("\n\n"),
    );
  });

  test("a response: target, stop reason, usage as a table, content as markdown", () => {
    const md = blobMarkdown(JSON.stringify(response), { ref: "io/greeter-t1-response.json", title: "greeter · turn 1 · response", kind: "response" });
    expect(md).toBe(
      [
        "# greeter · turn 1 · response",
        "target `anthropic:claude-sonnet-4-5` · stop `end_turn` · ttft 410 ms",
        "| input | output | cache read | cache write |\n|---:|---:|---:|---:|\n| 812 | 38 | 0 | 812 |",
        "## Content",
        "| name | greeting |\n|---|---|\n| Ada | Hello |",
        "*[image: image/png 3 KB]*",
      ].join("\n\n"),
    );
  });

  test("a response's cost and context use, when the core recorded them", () => {
    const md = blobMarkdown(JSON.stringify({ ...response, costUsd: 0.0031, contextUsed: 0.42 }), { ref: "io/r.json", title: "t", kind: "response" });
    expect(md).toContain("stop `end_turn` · ttft 410 ms · $0.0031 · context 42%");
  });

  test("redacted thinking says so instead of showing an empty quote", () => {
    expect(blockMarkdown({ type: "thinking", text: "", redacted: "EmwKAhgB" })).toBe("> *thinking, redacted by the provider*");
    expect(blockMarkdown({ type: "thinking", text: "visible" })).toBe("> *thinking*\n>\n> visible");
  });

  test("a tool blob shows its input and output verbatim", () => {
    const md = blobMarkdown(JSON.stringify({ input: { path: "a.md" }, output: "# not a heading", isError: false }), { ref: "io/x-tool-1.json", title: "tool" });
    expect(md).toContain('## Input\n\n```json\n{\n  "path": "a.md"\n}\n```');
    expect(md).toContain("## Output\n\n```\n# not a heading\n```");
  });

  test("what is not the expected shape is shown as JSON or text, with a note", () => {
    expect(blobMarkdown('{"a":1}', { ref: "io/r.json", title: "t", kind: "request" })).toBe(
      '# t\n\n*not a model request; shown as JSON*\n\n```json\n{\n  "a": 1\n}\n```',
    );
    expect(blobMarkdown("{oops", { ref: "io/r.json", title: "t", kind: "response" })).toBe("# t\n\n*not valid JSON; shown as text*\n\n```\n{oops\n```");
    expect(blobMarkdown("plain", { ref: "io/r.txt", title: "t" })).toBe("# t\n\n```\nplain\n```");
  });

  test("artifacts: markdown as markdown, other files fenced", () => {
    expect(blobMarkdown("## Notes", { ref: "artifacts/notes", title: "notes", kind: "artifact" })).toBe("# notes\n\n## Notes");
    expect(blobMarkdown("a,b", { ref: "artifacts/data.csv", title: "data.csv", kind: "artifact" })).toBe("# data.csv\n\n```csv\na,b\n```");
  });

  test("fences outgrow the content's backticks; huge blocks are cut with a note", () => {
    expect(fenced("a ```` b")).toBe("`````\na ```` b\n`````");
    const big = fenced("x".repeat(BLOCK_CHARS_MAX + 5));
    expect(big).toEndWith("… (5 more characters)\n```");
  });
});
