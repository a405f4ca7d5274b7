/**
 * A blob (a model request or response, a tool call's result, an artifact) as one markdown
 * document for the pager. Pure: text in, markdown out. Model text goes in as it is (it is
 * markdown already); everything that must stay verbatim goes in a fenced block.
 */

/** Characters of one block kept; the rest is cut with a note. */
export const BLOCK_CHARS_MAX = 200_000;

const cut = (text: string): string =>
  text.length <= BLOCK_CHARS_MAX ? text : `${text.slice(0, BLOCK_CHARS_MAX)}\n… (${(text.length - BLOCK_CHARS_MAX).toLocaleString("en-US")} more characters)`;

/** A fenced block whose fence no backtick run in `body` can close. */
export const fenced = (body: string, lang = ""): string => {
  let longest = 0;
  for (const run of body.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${cut(body)}\n${fence}`;
};

const pretty = (value: unknown): string => JSON.stringify(value, null, 2) ?? String(value);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

const block = (b: unknown): string => {
  if (!isRecord(b)) return fenced(pretty(b), "json");
  switch (b.type) {
    case "text":
      return cut(str(b.text) ?? "");
    case "thinking":
      return `> *thinking*\n\n${fenced(str(b.text) ?? "")}`;
    case "tool-call":
      return `**→ tool call** \`${str(b.name) ?? "?"}\`\n\n${fenced(pretty(b.input), "json")}`;
    case "tool-result":
      return `**← tool result** \`${str(b.name) ?? "?"}\`${b.isError === true ? " · **error**" : ""}\n\n${fenced(str(b.output) ?? pretty(b.output))}`;
    default:
      return fenced(pretty(b), "json");
  }
};

const blocks = (content: unknown): string => (Array.isArray(content) ? content.map(block).join("\n\n") || "*(empty)*" : block(content));

const request = (value: Record<string, unknown> & { messages: unknown[] }, title: string): string => {
  const sections = [`# ${title}`];
  const system = str(value.system);
  if (system) sections.push("## System", cut(system));
  value.messages.forEach((message, i) => {
    const role = isRecord(message) ? (str(message.role) ?? "?") : "?";
    sections.push(`## ${i + 1} · ${role}`, blocks(isRecord(message) ? message.content : message));
  });
  return sections.join("\n\n");
};

const response = (value: Record<string, unknown> & { content: unknown[] }, title: string): string =>
  [`# ${title}`, `stop \`${str(value.stopReason) ?? "?"}\``, "## Content", blocks(value.content)].join("\n\n");

const parse = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
};

/** The pager's document for a blob's text; `title` names the row it came from. */
export const blobDocument = (text: string, ref: string, title: string): string => {
  const path = ref.split("#")[0] ?? ref;
  const parsed = path.endsWith(".md") || path.endsWith(".txt") ? { ok: false as const } : parse(text);
  if (!parsed.ok) return path.endsWith(".md") ? `# ${title}\n\n${cut(text)}` : `# ${title}\n\n${fenced(text)}`;
  const value = parsed.value;
  if (isRecord(value) && Array.isArray(value.messages)) return request(value as Record<string, unknown> & { messages: unknown[] }, title);
  if (isRecord(value) && Array.isArray(value.content)) return response(value as Record<string, unknown> & { content: unknown[] }, title);
  if (isRecord(value) && "output" in value) {
    const output = typeof value.output === "string" ? fenced(value.output) : fenced(pretty(value.output), "json");
    return [`# ${title}`, "## Input", fenced(pretty(value.input), "json"), "## Output", output].join("\n\n");
  }
  return `# ${title}\n\n${fenced(pretty(value), "json")}`;
};
