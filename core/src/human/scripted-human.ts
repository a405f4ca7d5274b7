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
