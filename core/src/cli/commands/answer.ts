/**
 * `escapement answer <session> --store <url> [--prompt <id>] <json|--cancel>`: answers a session's
 * waiting prompt from outside its run, through the store's inbox; a parked session is woken (a
 * job on the Postgres store's queue resumes it on any worker). Prints the prompt answered.
 */
import { answerPrompt } from "../../pool/index.js";
import type { PromptAnswer } from "../../human/index.js";
import { UsageError } from "../../runtime/usage-error.js";
import { exitCodes } from "../exit-codes.js";
import type { CliIo } from "../cli-io.js";

export interface AnswerFlags {
  store: string;
  prompt?: string;
  cancel?: boolean;
}

/** The answer a command line gives: JSON, or text that is not JSON taken as a string; `--cancel` alone. */
export function answerOf(value: string | undefined, cancel: boolean | undefined): PromptAnswer {
  if (cancel) {
    if (value !== undefined) throw new UsageError("answer takes either an answer or --cancel, not both");
    return { cancelled: true };
  }
  if (value === undefined) throw new UsageError('answer needs the answer (JSON, e.g. \'"Ada"\', true, \'["a","b"]\') or --cancel');
  try {
    return { value: JSON.parse(value) as unknown };
  } catch {
    // A bare word is the text it spells: `escapement answer s1 Ada`.
    return { value };
  }
}

export async function answerCommand(session: string, value: string | undefined, flags: AnswerFlags, io: CliIo): Promise<number> {
  const answer = answerOf(value, flags.cancel);
  const answered = await answerPrompt({
    store: flags.store,
    sessionId: session,
    answer,
    cwd: io.cwd,
    ...(flags.prompt === undefined ? {} : { promptId: flags.prompt }),
  });
  io.stdout.write(`answered prompt ${answered.promptId} of session ${answered.sessionId}${answered.woken ? " (woken from parked)" : ""}\n`);
  return exitCodes.ok;
}
