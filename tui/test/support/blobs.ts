/** io blobs and an artifact for the sample replay's session, as the core writes them. */
const request = (turn: number) => ({
  model: "smart",
  system: "You write release notes from merged pull requests. Be brief.",
  messages: [
    { role: "user", content: [{ type: "text", text: "Write the release notes for **2.3.0**." }] },
    ...(turn === 2
      ? [
          { role: "assistant", content: [{ type: "tool-call", id: "call-1", name: "read_file", input: { path: "CHANGELOG.md" } }] },
          {
            role: "user",
            content: [{ type: "tool-result", toolCallId: "call-1", name: "read_file", output: "# Changelog\n## 2.3.0\n- resume after crash\n- open command" }],
          },
        ]
      : []),
  ],
  tools: [
    { name: "read_file", description: "Read a file of the repository.", inputSchema: { type: "object" } },
    { name: "DRAFT_DONE", description: "The draft is ready.", inputSchema: { type: "object" } },
  ],
  params: { maxTokens: 1024 },
  stream: true,
  origin: { invokeId: "draft-1", stateId: "release-notes.draft", turn },
});

const response2 = {
  content: [
    {
      type: "text",
      text: [
        "## Highlights",
        "",
        "- Resume picks up exactly where a crash left off.",
        "- `escapement open` replays any saved session.",
        "",
        "| change | kind |",
        "|---|---|",
        "| resume after crash | feature |",
        "| open command | feature |",
        "",
        ...Array.from({ length: 30 }, (_, i) => `Detail line ${i + 1} of the notes.\n`),
        "The end.",
      ].join("\n"),
    },
    { type: "tool-call", id: "call-2", name: "DRAFT_DONE", input: { words: 19 } },
  ],
  stopReason: "tool_use",
  usage: { input: 1650, output: 96, cacheRead: 812, cacheWrite: 0 },
  target: "anthropic:claude-sonnet-4-5",
  ttftMs: 380,
};

const response1 = {
  content: [{ type: "tool-call", id: "call-1", name: "read_file", input: { path: "CHANGELOG.md" } }],
  stopReason: "tool_use",
  usage: { input: 812, output: 38, cacheRead: 0, cacheWrite: 812 },
  target: "anthropic:claude-sonnet-4-5",
  ttftMs: 410,
};

export const SAMPLE_BLOBS: Record<string, string> = {
  "io/draft-1/1.request.json": JSON.stringify(request(1), null, 2),
  "io/draft-1/1.response.json": JSON.stringify(response1, null, 2),
  "io/draft-1/2.request.json": JSON.stringify(request(2), null, 2),
  "io/draft-1/2.response.json": JSON.stringify(response2, null, 2),
  "artifacts/release-notes": "## Highlights\n- Resume picks up exactly where a crash left off.\n- `escapement open` replays any saved session.\n",
};

export const withoutBlob = (ref: string): Record<string, string> => {
  const { [ref]: _gone, ...rest } = SAMPLE_BLOBS;
  return rest;
};
