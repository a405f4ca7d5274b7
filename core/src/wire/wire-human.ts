/**
 * Human input over the wire: a prompt the chart opens waits for an `answer` frame from any
 * attached renderer. The answer goes back through `requestHumanInput`'s loop, which validates it
 * against the prompt's schema: an invalid one is rejected (`reject`), which this renderer turns
 * into an `invalid-answer` error frame for the connection that sent it, and the prompt stays
 * open. An answer for a prompt that is not open gets `unknown-prompt`. The first valid answer wins.
 */
import type { AnswerFrame, ErrorFrameInput } from "@escapement/wire-schema";
import { answerSchema } from "../human/answer-schema.js";
import type { HumanRenderer, PromptAnswer, PromptRequest } from "../human/human-renderer.js";

/** Where an answer came from: how to tell its sender it was refused. */
export type ReplyTo = (error: ErrorFrameInput) => void;

interface Waiting {
  request: PromptRequest;
  resolve: (answer: PromptAnswer) => void;
}

interface Delivered {
  request: PromptRequest;
  value: unknown;
  reply: ReplyTo;
  inReplyTo: string | undefined;
}

const pointer = (path: readonly PropertyKey[]): string => path.map((key) => `/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");

export class WireHuman implements HumanRenderer {
  readonly #open = new Map<string, Waiting>();
  /** The last answer handed to the validation loop per prompt, so a rejection can reach its sender. */
  readonly #delivered = new Map<string, Delivered>();
  #closed = false;

  /** Prompt ids waiting for an answer now. */
  get openPrompts(): string[] {
    return [...this.#open.keys()];
  }

  ask(request: PromptRequest, signal: AbortSignal): Promise<PromptAnswer> {
    return new Promise<PromptAnswer>((resolve, reject) => {
      if (this.#closed) return reject(new Error(`prompt ${request.promptId}: the wire human is closed`));
      if (signal.aborted) return reject(signal.reason ?? new Error("aborted"));
      const onAbort = () => {
        if (this.#open.get(request.promptId)?.request === request) this.#open.delete(request.promptId);
        reject(signal.reason ?? new Error("aborted"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#open.set(request.promptId, {
        request,
        resolve: (answer) => {
          signal.removeEventListener("abort", onAbort);
          resolve(answer);
        },
      });
    });
  }

  reject(promptId: string, reason: string): void {
    const delivered = this.#delivered.get(promptId);
    if (!delivered) return;
    this.#delivered.delete(promptId);
    const checked = answerSchema(delivered.request.kind, delivered.request.options).safeParse(delivered.value);
    const issue = checked.success ? undefined : checked.error.issues[0];
    const path = `/value${issue ? pointer(issue.path) : ""}`;
    delivered.reply({
      code: "invalid-answer",
      path,
      message: `${path}: ${issue?.message ?? reason} (prompt ${promptId} stays open)`,
      fatal: false,
      ...(delivered.inReplyTo === undefined ? {} : { inReplyTo: delivered.inReplyTo }),
    });
  }

  /** An `answer` frame from a renderer. Refusals go to `reply`; an accepted answer has no reply. */
  answer(frame: AnswerFrame, reply: ReplyTo): void {
    const waiting = this.#open.get(frame.promptId);
    if (!waiting) {
      reply({
        code: "unknown-prompt",
        path: "/promptId",
        message: `/promptId: no open prompt ${JSON.stringify(frame.promptId)} (never asked, already answered, or the run is over)`,
        fatal: false,
        ...(frame.id === undefined ? {} : { inReplyTo: frame.id }),
      });
      return;
    }
    this.#open.delete(frame.promptId);
    if (frame.cancelled === true) {
      waiting.resolve({ cancelled: true });
      return;
    }
    this.#delivered.set(frame.promptId, { request: waiting.request, value: frame.value, reply, inReplyTo: frame.id });
    waiting.resolve({ value: frame.value });
    // A valid answer is recorded in this same tick; clear what only a rejection would need.
    setImmediate(() => {
      if (this.#delivered.get(frame.promptId)?.value === frame.value) this.#delivered.delete(frame.promptId);
    });
  }

  /** The run is over: later answers get `unknown-prompt`. */
  close(): void {
    this.#closed = true;
    this.#open.clear();
    this.#delivered.clear();
  }
}
