import type { HumanRenderer, PromptAnswer, PromptRequest } from "./human-renderer.js";

/** Answers prompts from a list, in order: for tests and demos. */
export class ScriptedHuman implements HumanRenderer {
  readonly asked: PromptRequest[] = [];
  readonly rejections: string[] = [];
  #next = 0;

  constructor(private readonly answers: readonly PromptAnswer[]) {}

  async ask(request: PromptRequest): Promise<PromptAnswer> {
    this.asked.push(request);
    const answer = this.answers[this.#next++];
    if (!answer) throw new Error(`no scripted answer left for prompt ${request.promptId} ("${request.message}")`);
    return answer;
  }

  reject(promptId: string, reason: string): void {
    this.rejections.push(`${promptId}: ${reason}`);
  }
}

/** One prompt's outcome as a session recorded it: its transcript's `human-input/answered` or a human's `human-input/cancelled`. */
export interface RecordedPromptRow {
  event: string;
  data: unknown;
}

/**
 * The answers a session's transcript recorded, by prompt id, in order: each answered value, and
 * each cancel the human made (not a prompt withdrawn because its state was left). A fleet
 * child's, mirrored into the transcript, go by `<childSessionId>/<promptId>`, as its prompts are
 * asked of the parent's human.
 */
export function recordedAnswers(rows: Iterable<RecordedPromptRow>): Map<string, PromptAnswer[]> {
  const answers = new Map<string, PromptAnswer[]>();
  const add = (promptId: string, answer: PromptAnswer): void => {
    const list = answers.get(promptId);
    if (list) list.push(answer);
    else answers.set(promptId, [answer]);
  };
  for (const row of rows) {
    const data = row.data as { promptId?: unknown; value?: unknown; reason?: unknown; childSessionId?: unknown } | undefined;
    if (typeof data?.promptId !== "string") continue;
    // A fleet child's prompt, mirrored into its parent's transcript: asked of the parent's human as `<child>/<prompt>`.
    const promptId = typeof data.childSessionId === "string" ? `${data.childSessionId}/${data.promptId}` : data.promptId;
    if (row.event === "human-input/answered") add(promptId, { value: data.value });
    else if (row.event === "human-input/cancelled" && data.reason === undefined) add(promptId, { cancelled: true });
  }
  return answers;
}

/**
 * Answers each prompt with the next answer recorded for its prompt id (a replay gives the human's
 * answers back as it gives the model's); a prompt with none left goes to `fallback`.
 */
export class RecordedHuman implements HumanRenderer {
  readonly #answers: Map<string, PromptAnswer[]>;
  readonly #fallback: HumanRenderer;
  readonly progress?: NonNullable<HumanRenderer["progress"]>;
  readonly reject?: NonNullable<HumanRenderer["reject"]>;
  readonly answered?: NonNullable<HumanRenderer["answered"]>;

  constructor(answers: ReadonlyMap<string, readonly PromptAnswer[]>, fallback: HumanRenderer) {
    this.#answers = new Map([...answers].map(([promptId, list]) => [promptId, [...list]]));
    this.#fallback = fallback;
    if (fallback.progress) this.progress = (promptId, value, total) => fallback.progress!(promptId, value, total);
    if (fallback.reject) this.reject = (promptId, reason) => fallback.reject!(promptId, reason);
    if (fallback.answered) this.answered = (promptId) => fallback.answered!(promptId);
  }

  ask(request: PromptRequest, signal: AbortSignal): Promise<PromptAnswer> {
    const next = this.#answers.get(request.promptId)?.shift();
    return next ? Promise.resolve(next) : this.#fallback.ask(request, signal);
  }
}
