/** Test content with Japanese text and emoji: a live haiku tournament, its response blob, sample lines. */
import type { OutboundFrame } from "@escapement/wire-schema";
import { data, scriptedRun } from "../support/frames.ts";

/** Text a model writes: Japanese, Chinese, emoji with joiners and flags, accents, long words. */
export const SAMPLES = [
  "The tournament keeps going and going well past the end of the round.",
  "古池や蛙飛び込む水の音、閑さや岩にしみ入る蝉の声。",
  "審査中 👩‍⚖️ the judge compares 🇯🇵 and 🇫🇷 haiku: 1️⃣ 2️⃣ ✔️ done",
  "中文，English mixed 字符 test with ＡＢＣ full-width letters",
  "café naïve résumé – e\u0301 (combining) and supercalifragilisticexpialidocious-antidisestablishmentarianism",
  "  indented line\twith a tab and trailing spaces   ",
];

export const HAIKU = "古池や 蛙飛び込む 水の音 🐸💧";
export const STREAM = "審査中 👩‍⚖️ the tournament keeps going and going well past the end of the round";

const RESPONSE = {
  content: [
    {
      type: "text",
      text: [
        "## 結果 🏆",
        "",
        `The winning haiku: **${HAIKU}** keeps going and going well past the end.`,
        "",
        "- 一位: 芭蕉 🐸",
        "- 二位: 蕪村 🌸",
        "",
        "| 句 | 票 | 点 |",
        "|:---|:---:|---:|",
        "| 古池や | 12 | 9.5 |",
        "| 菜の花や 🌼 | 3 | 7 |",
        "",
        "```json",
        '{ "winner": "芭蕉", "votes": 12, "tie": false }',
        "```",
        "",
        "```ts",
        'const winner: string = "芭蕉"; // 🐸',
        "```",
      ].join("\n"),
    },
  ],
  stopReason: "end_turn",
  usage: { input: 120, output: 64, cacheRead: 0, cacheWrite: 0 },
  target: "anthropic:claude-sonnet-4-5",
  ttftMs: 310,
};

export const BLOBS = { "io/haiku-1/1.response.json": JSON.stringify(RESPONSE) };

const OPTIONS = ["芭蕉 🐸", "蕪村 🌸", "一茶 🐌", "子規 ⚾", "山頭火 🍶", "もう一度 🔁"].map((label, i) => ({ value: `v${i}`, label }));

/** A live tournament: a finished haiku, a judge still streaming, and (optionally) a select prompt. */
export const tournament = (withPrompt: boolean): OutboundFrame[] => {
  const run = scriptedRun({ sessionId: "s-haiku", runId: "run-1", chartId: "haiku" });
  return [
    run.hello(),
    ...run.row("runner/started", { sessionId: "s-haiku", runId: "run-1", chartId: "haiku", resumed: false }),
    ...run.row("runner/start-config", { config: ["write"] }),
    ...run.row("llm/conversation-started", data.started("haiku-1")),
    ...run.row("llm/request", data.request("haiku-1", 1)),
    ...run.row("llm/delta", data.delta("haiku-1", 1, `## 結果 🏆\n\n${HAIKU}\n`), 200),
    ...run.row("llm/response", data.response("haiku-1", 1, 64, { ttftMs: 310, snippet: HAIKU }), 300),
    ...run.row("llm/conversation-started", data.started("judge")),
    ...run.row("llm/request", data.request("judge", 1)),
    ...run.row("llm/delta", data.delta("judge", 1, STREAM), 200),
    ...(withPrompt
      ? run.row("human-input/requested", {
          promptId: "p-1",
          invokeId: "pick-1",
          kind: "select",
          message: "どの句が一番良いですか? 🤔 Pick the haiku that keeps going and going",
          options: OPTIONS,
          default: "v0",
          schema: { type: "string", enum: OPTIONS.map((o) => o.value) },
        })
      : []),
  ];
};
