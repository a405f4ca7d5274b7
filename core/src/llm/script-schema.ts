/**
 * Validation of scripts written as JSON (e.g. an example's `script.json`), with errors naming the path.
 * JSON scripts cannot hold function steps or predicate expectations; matcher objects only.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { llmErrorCategories } from "./llm-error.js";
import { stopReasons } from "./protocol.js";
import type { Script } from "./script.js";

const milliseconds = z.number().nonnegative();
const tokens = z.number().int().nonnegative();
const name = z.string().min(1);

const deltaSchema = z.strictObject({
  text: z.string(),
  afterMs: milliseconds.optional(),
  kind: z.enum(["text", "thinking"]).optional(),
});

const matcherSchema = z.strictObject({
  model: z.string().optional(),
  stateId: z.string().optional(),
  turn: z.number().int().positive().optional(),
  stream: z.boolean().optional(),
  lastUserIncludes: z.string().optional(),
  systemIncludes: z.string().optional(),
  toolsInclude: z.array(z.string()).optional(),
});

const errorOnlyKeys: ReadonlySet<string> = new Set(["error", "afterMs", "expect"]);

export const stepSchema = z
  .strictObject({
    text: z.string().optional(),
    deltas: z.array(deltaSchema).optional(),
    firstTokenMs: milliseconds.optional(),
    thinking: z.string().optional(),
    toolCalls: z.array(z.strictObject({ name, input: z.unknown().optional(), id: name.optional() })).optional(),
    events: z.array(z.strictObject({ name, payload: z.unknown().optional(), id: name.optional() })).optional(),
    stopReason: z.enum(stopReasons).optional(),
    usage: z
      .strictObject({
        input: tokens.optional(),
        output: tokens.optional(),
        cacheRead: tokens.optional(),
        cacheWrite: tokens.optional(),
      })
      .optional(),
    expect: matcherSchema.optional(),
    error: z
      .strictObject({
        category: z.enum(llmErrorCategories),
        message: z.string(),
        status: z.number().int().optional(),
        retryAfterMs: milliseconds.optional(),
      })
      .optional(),
    afterMs: milliseconds.optional(),
  })
  .superRefine((step, context) => {
    if (step.text !== undefined && step.deltas !== undefined) {
      context.addIssue({ code: "custom", path: ["deltas"], message: "a step has either text or deltas, not both" });
    }
    if (step.error !== undefined) {
      for (const [key, value] of Object.entries(step)) {
        if (value !== undefined && !errorOnlyKeys.has(key)) {
          context.addIssue({
            code: "custom",
            path: [key],
            message: `an error step takes only error, afterMs and expect, not ${key}`,
          });
        }
      }
    } else if (step.afterMs !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["afterMs"],
        message: "afterMs delays error steps and deltas; use firstTokenMs to delay a reply",
      });
    }
  });

export const stepListSchema = z.array(stepSchema);

export const byStateScriptSchema = z.strictObject({
  byState: z.record(z.string(), stepListSchema),
  default: stepListSchema.optional(),
});

export const scriptSchema = z.union([stepListSchema, byStateScriptSchema]);

export interface ScriptIssue {
  /** E.g. `byState.review[2].error.category`, or `(root)`. */
  path: string;
  message: string;
}

export class ScriptParseError extends Error {
  override readonly name = "ScriptParseError";
  /** File path or other label of where the script came from. */
  readonly source: string;
  readonly issues: readonly ScriptIssue[];

  constructor(source: string, issues: readonly ScriptIssue[]) {
    const lines = issues.map((issue) => `  at ${issue.path}: ${issue.message}`);
    super(`invalid scripted-model script in ${source}:\n${lines.join("\n")}`);
    this.source = source;
    this.issues = issues;
  }
}

const identifier = /^[A-Za-z_$][\w$]*$/;

export const formatPath = (path: readonly PropertyKey[]): string => {
  if (path.length === 0) return "(root)";
  return path
    .map((segment, index) => {
      if (typeof segment === "number") return `[${segment}]`;
      const key = String(segment);
      if (!identifier.test(key)) return `[${JSON.stringify(key)}]`;
      return index === 0 ? key : `.${key}`;
    })
    .join("");
};

const parseJson = (text: string, source: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ScriptParseError(source, [{ path: "(root)", message: `invalid JSON: ${reason}` }]);
  }
};

/**
 * Validates a script: `json` is JSON text or an already parsed value. Throws `ScriptParseError`
 * listing every problem with its path.
 */
export const parseScript = (json: unknown, source: string): Script => {
  const value = typeof json === "string" ? parseJson(json, source) : json;
  if (typeof value !== "object" || value === null) {
    throw new ScriptParseError(source, [{ path: "(root)", message: "a script is an array of steps or an object { byState, default? }" }]);
  }
  const result = (Array.isArray(value) ? stepListSchema : byStateScriptSchema).safeParse(value);
  if (!result.success) {
    throw new ScriptParseError(
      source,
      result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
    );
  }
  // Validated above; the zod output is the flat form of the Step union.
  return result.data as Script;
};

export const readScriptFile = async (path: string): Promise<Script> => parseScript(await readFile(path, "utf8"), path);
