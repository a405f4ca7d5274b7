import { blocksText } from "../../chart/conversation-turn.js";
import type { ModelRequest, ModelResponse } from "../../llm/protocol.js";
import { findTurn, parseTurnAddress } from "../../sessions/find-turn.js";
import type { CliIo } from "../cli-io.js";
import type { ChartModel } from "../../loader/model-for-chart.js";
import { UsageError } from "../../runtime/usage-error.js";
import { exitCodes } from "../exit-codes.js";
import { LlmError } from "../../llm/llm-error.js";

export interface RefineFlags {
  turn: string;
  system?: string;
  model?: string;
  temperature?: number;
}

/** Applies refine's overrides to a captured request. Pure. */
export function refinedRequest(request: ModelRequest, flags: Omit<RefineFlags, "turn">): ModelRequest {
  return {
    ...request,
    ...(flags.system === undefined ? {} : { system: flags.system }),
    ...(flags.model === undefined ? {} : { model: flags.model }),
    params: { ...request.params, ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }) },
  };
}

const describe = (label: string, response: ModelResponse | undefined): string => {
  if (!response) return `── ${label}: (no response was recorded)\n`;
  const calls = response.content.filter((b) => b.type === "tool-call").map((b) => (b.type === "tool-call" ? `${b.name} ${JSON.stringify(b.input)}` : ""));
  const usage = response.usage;
  return [
    `── ${label}: ${response.target}, ${response.stopReason}, ${usage.input} in / ${usage.output} out tokens`,
    blocksText(response.content) || "(no text)",
    ...calls.map((call) => `→ tool ${call}`),
    "",
  ].join("\n");
};

/**
 * A model call that failed, as one line and an exit code: an alias the config does not define is
 * the user's input (2), an interrupted call is 130, anything else the model layer reports (a
 * provider that is down, a key it refuses, a timeout) is 1. Undefined: not a model failure (a bug).
 */
export function refineFailure(error: unknown, interrupted: boolean): { message: string; code: number } | undefined {
  if (interrupted) return { message: "interrupted before the model answered", code: exitCodes.aborted };
  if (!(error instanceof LlmError)) return undefined;
  if (error.category === "unknown-alias") return { message: error.message, code: exitCodes.usage };
  if (error.category === "aborted") return { message: "interrupted before the model answered", code: exitCodes.aborted };
  return { message: `the model call failed (${error.category}): ${error.message}`, code: exitCodes.runFailed };
}

/** `escapement refine <session> --turn <state/visit/turn>`: re-issues one captured turn with overrides. */
export async function refineCommand(dir: string, flags: RefineFlags, io: CliIo, live: ChartModel | undefined): Promise<number> {
  const address = parseTurnAddress(flags.turn);
  // The session is read first: a wrong turn or a damaged session is said before the model is asked for.
  const captured = await findTurn(dir, address);
  if (!live) throw new UsageError("refine calls a model: define aliases and credentials in .escapement.json (see docs/config.md)");
  const request = refinedRequest(captured.request, flags);
  const controller = new AbortController();
  io.signal?.addEventListener("abort", () => controller.abort(), { once: true });
  let response: ModelResponse;
  try {
    live.model.assertAlias(request.model);
    response = await live.model.call({ ...request, stream: false }, { signal: controller.signal });
  } catch (error) {
    const failure = refineFailure(error, controller.signal.aborted);
    if (!failure) throw error;
    io.stderr.write(`escapement: refine: ${failure.message}\n`);
    return failure.code;
  }
  const overrides = [
    flags.system !== undefined && "system",
    flags.model && `model ${flags.model}`,
    flags.temperature !== undefined && `temperature ${flags.temperature}`,
  ].filter(Boolean);
  io.stdout.write(`turn ${flags.turn} of ${dir}${overrides.length ? ` with ${overrides.join(", ")}` : ""}\n\n`);
  io.stdout.write(describe("original", captured.response));
  io.stdout.write("\n");
  io.stdout.write(describe("refined", response));
  return exitCodes.ok;
}
