/**
 * `answerPrompt()`: answers a session's prompt from outside its run, through the store's inbox.
 * The prompt is the session's one waiting prompt (or the one named), read from its transcript; the
 * answer is checked against the prompt's schema here, so a wrong one is refused at once, not left
 * for the run to reject. A parked session on a Postgres store is woken: a job on the queue resumes
 * it on any worker, which takes the answer from the inbox.
 */
import type { PromptAnswer, PromptRequest } from "../human/index.js";
import { answerSchema, answersTaken, pendingPrompts } from "../human/index.js";
import { isResumable } from "../runtime/session-dir.js";
import { UsageError } from "../runtime/usage-error.js";
import { openStore, parseStoreSpec, type SessionStore } from "../store/index.js";
import { openRunQueue, sendWake } from "./run-queue.js";

export interface AnswerPromptOptions {
  /** The session's store, or what `--store` names (`postgres://…`, `memory`). */
  store: SessionStore | string;
  sessionId: string;
  /** The prompt to answer; default the session's one waiting prompt. */
  promptId?: string;
  answer: PromptAnswer;
  /** Where a disk store's sessions are (a `store` string only); default `process.cwd()`. */
  cwd?: string;
  /**
   * The Postgres URL whose job queue wakes a parked session; default the store's, when `store` is a
   * URL. Without one a parked session is not woken here (a host resuming it in process watches the inbox).
   */
  queueUrl?: string;
}

export interface AnsweredPrompt {
  sessionId: string;
  promptId: string;
  /** The answer's entry in the session's inbox. */
  seq: number;
  /** Whether a wake of the parked session was queued. */
  woken: boolean;
}

/** A user's mistake: one line naming what and where. */
export class AnswerError extends UsageError {}

export async function answerPrompt(options: AnswerPromptOptions): Promise<AnsweredPrompt> {
  const opened = typeof options.store === "string" ? await openStore(parseStoreSpec(options.store), storeRoot(options.cwd)) : undefined;
  const store = opened ?? (options.store as SessionStore);
  try {
    const inbox = store.inbox;
    if (!inbox) throw new AnswerError(`the ${store.kind} store keeps no inbox: answer session ${options.sessionId} through its run's renderer`);
    const key = await store.locate(options.sessionId);
    const manifest = await store.manifest(key);
    if (!isResumable(manifest.status)) throw new AnswerError(`session ${options.sessionId} has ended (status ${manifest.status}): no prompt to answer`);
    const prompt = chosenPrompt(options.sessionId, await pendingPrompts(store.rows(key)), options.promptId);
    const problem = answerProblem(prompt, options.answer);
    if (problem) throw new AnswerError(`not an answer to prompt "${prompt.promptId}" of session ${options.sessionId}: ${problem}`);
    // An answer posted and not yet taken by the run: a second one would be taken by the next ask of the prompt.
    const taken = (await answersTaken(store.rows(key))).get(prompt.promptId) ?? 0;
    const posted = (await inbox.read(manifest.sessionId, 0)).filter(
      (entry) => entry.message.kind === "answer" && entry.message.promptId === prompt.promptId,
    ).length;
    if (posted > taken)
      throw new AnswerError(`prompt "${prompt.promptId}" of session ${options.sessionId} was answered already; its run has not taken the answer yet`);
    const seq = await inbox.post(manifest.sessionId, { kind: "answer", promptId: prompt.promptId, answer: options.answer });
    const queueUrl = options.queueUrl ?? (typeof options.store === "string" && store.kind === "postgres" ? options.store : undefined);
    const woken =
      queueUrl !== undefined && (await store.manifest(key)).status === "parked" ? await wake(queueUrl, manifest.chartModule, manifest.sessionId) : false;
    return { sessionId: manifest.sessionId, promptId: prompt.promptId, seq, woken };
  } finally {
    await opened?.close();
  }
}

const storeRoot = (cwd: string = process.cwd()) => ({ root: cwd, cwd });

/** The prompt named, or the one waiting; a clear error when there is none, or several and none named. */
function chosenPrompt(sessionId: string, pending: readonly PromptRequest[], promptId: string | undefined): PromptRequest {
  if (promptId !== undefined) {
    const named = pending.find((prompt) => prompt.promptId === promptId);
    if (named) return named;
    const waiting = pending.length === 0 ? "none is" : `waiting: ${pending.map((prompt) => prompt.promptId).join(", ")}`;
    throw new AnswerError(`prompt "${promptId}" of session ${sessionId} is not waiting for an answer (${waiting})`);
  }
  if (pending.length === 0) throw new AnswerError(`session ${sessionId} has no prompt waiting for an answer`);
  if (pending.length > 1) {
    throw new AnswerError(
      `session ${sessionId} has ${pending.length} prompts waiting (${pending.map((prompt) => prompt.promptId).join(", ")}): name one with --prompt`,
    );
  }
  return pending[0]!;
}

/** Why `answer` is not valid for the prompt (its schema, as the run checks it); undefined when it is. */
export function answerProblem(prompt: PromptRequest, answer: PromptAnswer): string | undefined {
  if ("cancelled" in answer) return undefined;
  const parsed = answerSchema(prompt.kind, prompt.options).safeParse(answer.value);
  return parsed.success ? undefined : parsed.error.issues.map((issue) => issue.message).join("; ");
}

/** Queues the wake of a parked session on the job queue at `url`. */
export async function wake(url: string, chart: string, sessionId: string): Promise<boolean> {
  const boss = await openRunQueue(url);
  try {
    await sendWake(boss, { chart, sessionId }, "answer");
    return true;
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}
