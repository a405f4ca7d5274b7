/**
 * An io blob (a model request, a model response, a tool call's input and output) or an artifact
 * as one markdown document for the pager. Pure: text in, markdown out. Model text (system,
 * messages, assistant output) is markdown already and goes in as it is; everything that must
 * stay verbatim (tool inputs and outputs, JSON, unknown shapes) goes in a fenced block.
 */

import { parseRef } from "@escapement/wire-schema";

/** Characters of one block kept; the rest is cut with a note (a pager is not an editor). */
export const BLOCK_CHARS_MAX = 200_000;

export type BlobKind = "request" | "response" | "tool" | "artifact" | "auto";

const cut = (text: string): string =>
  text.length <= BLOCK_CHARS_MAX ? text : `${text.slice(0, BLOCK_CHARS_MAX)}\n… (${(text.length - BLOCK_CHARS_MAX).toLocaleString("en-US")} more characters)`;

/** A fenced block whose fence no backtick run in `body` can close. */
export const fenced = (body: string, lang = ""): string => {
  let longest = 0;
  for (const run of body.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${cut(body)}\n${fence}`;
};

const code = (text: string): string => {
  const ticks = (text.match(/`+/g) ?? []).reduce((n, run) => Math.max(n, run.length), 0);
  const fence = "`".repeat(ticks + 1);
  return ticks > 0 ? `${fence} ${text} ${fence}` : `\`${text}\``;
};

const pretty = (value: unknown): string => {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

const quote = (text: string): string =>
  text
    .split("\n")
    .map((line) => (line ? `> ${line}` : ">"))
    .join("\n");

const bytesOfBase64 = (data: string): number => Math.floor((data.length * 3) / 4);

/** One content block of a message or response. */
export const blockMarkdown = (block: unknown): string => {
  if (!isRecord(block)) return fenced(pretty(block), "json");
  switch (block.type) {
    case "text":
      return cut(str(block.text) ?? "");
    case "thinking":
      // Redacted thinking (Anthropic) has no text, only data the model gets back.
      if (typeof block.redacted === "string" && !str(block.text)) return quote("*thinking, redacted by the provider*");
      return `${quote(`*thinking*\n\n${cut(str(block.text) ?? "")}`)}`;
    case "image": {
      const source = isRecord(block.source) ? block.source : {};
      if (source.kind === "url") return `*[image: ${str(source.url) ?? "?"}]*`;
      const size = typeof source.data === "string" ? ` ${Math.round(bytesOfBase64(source.data) / 1024)} KB` : "";
      return `*[image: ${str(source.mediaType) ?? "unknown type"}${size}]*`;
    }
    case "tool-call":
      return `**→ tool call** ${code(str(block.name) ?? "?")} · ${code(str(block.id) ?? "?")}\n\n${fenced(pretty(block.input), "json")}`;
    case "tool-result": {
      const error = block.isError === true ? " · **error**" : "";
      return `**← tool result** ${code(str(block.name) ?? "?")} · ${code(str(block.toolCallId) ?? "?")}${error}\n\n${fenced(
        str(block.output) ?? pretty(block.output),
      )}`;
    }
    default:
      return fenced(pretty(block), "json");
  }
};

const blocks = (content: unknown): string =>
  Array.isArray(content)
    ? content
        .map(blockMarkdown)
        .filter((s) => s !== "")
        .join("\n\n") || "*(empty)*"
    : blockMarkdown(content);

export const isModelRequest = (value: unknown): value is Record<string, unknown> & { messages: unknown[] } => isRecord(value) && Array.isArray(value.messages);

export const isModelResponse = (value: unknown): value is Record<string, unknown> & { content: unknown[] } =>
  isRecord(value) && Array.isArray(value.content) && typeof value.stopReason === "string";

const isToolBlob = (value: unknown): value is Record<string, unknown> => isRecord(value) && "input" in value && "output" in value;

const params = (value: unknown): string => {
  if (!isRecord(value)) return "";
  const parts = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
  return parts.length ? ` · ${parts.join(", ")}` : "";
};

export const requestMarkdown = (request: Record<string, unknown> & { messages: unknown[] }, title: string): string => {
  const tools = Array.isArray(request.tools) ? request.tools.filter(isRecord) : [];
  const toolNames = tools.map((t) => code(str(t.name) ?? "?")).join(", ");
  const model = str(request.model);
  const head = [
    `# ${title}`,
    `${model ? `model ${code(model)} · ` : ""}${request.messages.length} message${request.messages.length === 1 ? "" : "s"}${
      tools.length ? ` · tools ${toolNames}` : ""
    }${params(request.params)}`,
  ];
  const system = str(request.system);
  const sections = system ? [`## System`, cut(system)] : [];
  request.messages.forEach((message, i) => {
    const role = isRecord(message) ? (str(message.role) ?? "?") : "?";
    sections.push(`## ${i + 1} · ${role}`, blocks(isRecord(message) ? message.content : message));
  });
  if (tools.length) {
    sections.push(
      "## Tools",
      tools.map((t) => `- ${code(str(t.name) ?? "?")}${str(t.description) ? `: ${str(t.description)?.replace(/\s+/g, " ")}` : ""}`).join("\n"),
    );
  }
  return [...head, ...sections].join("\n\n");
};

export const responseMarkdown = (response: Record<string, unknown> & { content: unknown[] }, title: string): string => {
  const usage = isRecord(response.usage) ? response.usage : {};
  const cell = (key: string) => String(num(usage[key]) ?? "–");
  const target = str(response.target);
  const ttft = num(response.ttftMs);
  const cost = num(response.costUsd);
  const context = num(response.contextUsed);
  const head = [
    `# ${title}`,
    `${target ? `target ${code(target)} · ` : ""}stop ${code(str(response.stopReason) ?? "?")}${ttft === undefined ? "" : ` · ttft ${Math.round(ttft)} ms`}${
      cost === undefined ? "" : ` · $${cost.toFixed(4)}`
    }${context === undefined ? "" : ` · context ${Math.round(context * 100)}%`}`,
    "| input | output | cache read | cache write |\n|---:|---:|---:|---:|\n" +
      `| ${cell("input")} | ${cell("output")} | ${cell("cacheRead")} | ${cell("cacheWrite")} |`,
  ];
  return [...head, "## Content", blocks(response.content)].join("\n\n");
};

const toolMarkdown = (blob: Record<string, unknown>, title: string): string => {
  const output = typeof blob.output === "string" ? fenced(blob.output) : fenced(pretty(blob.output), "json");
  const meta = blob.meta === undefined ? [] : ["## Meta", fenced(pretty(blob.meta), "json")];
  return [`# ${title}`, "## Input", fenced(pretty(blob.input), "json"), `## Output${blob.isError === true ? " (error)" : ""}`, output, ...meta].join("\n\n");
};

const extension = (ref: string): string => {
  const name = parseRef(ref).path.split("/").at(-1) ?? "";
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
};

/**
 * The document for a blob. `kind` says what the caller expects; "auto" (and a blob that is not
 * what was expected) goes by shape: a request, a response, a tool blob, other JSON, or text.
 */
export const blobMarkdown = (text: string, options: { ref: string; title: string; kind?: BlobKind }): string => {
  const { ref, title } = options;
  const kind = options.kind ?? "auto";
  const ext = extension(ref);
  if (kind === "artifact" && ext !== "json") {
    return ext === "md" || ext === "markdown" || ext === "" ? `# ${title}\n\n${cut(text)}` : `# ${title}\n\n${fenced(text, ext)}`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const note = ext === "json" || kind === "request" || kind === "response" ? "*not valid JSON; shown as text*\n\n" : "";
    return `# ${title}\n\n${note}${fenced(text)}`;
  }
  if (isModelRequest(value)) return requestMarkdown(value, title);
  if (isModelResponse(value)) return responseMarkdown(value, title);
  if (isToolBlob(value)) return toolMarkdown(value, title);
  const note = kind === "request" || kind === "response" ? `*not a model ${kind}; shown as JSON*\n\n` : "";
  return `# ${title}\n\n${note}${fenced(pretty(value), "json")}`;
};
