/**
 * What an attached renderer sends, posted to the session's inbox for the run on its worker: an
 * `answer` frame for an open prompt, a `control` frame for its debugger. Both are checked against
 * the session as its rows show it (the prompt is open and the answer fits it; the control makes
 * sense for the debugger's state), so a renderer gets the same refusals it would from the run's
 * own wire server; what passes is posted, and the run's rows show what it did.
 */
import type { ControlFrame, DebugState, ErrorFrameInput, Prompt } from "@escapement/wire-schema";
import type { AnswerFrame } from "@escapement/wire-schema";
import type { ControlResult } from "../../debug/index.js";
import { answerSchema } from "../../human/index.js";
import type { InboxMessage } from "../../store/index.js";
import { WireHuman, type ReplyTo } from "../../wire/wire-human.js";

/** Posts a message to the attached session's inbox. */
export type PostToInbox = (message: InboxMessage) => Promise<unknown>;

/** What the attached session's rows say now. */
export interface AttachedView {
  /** Prompts open now, by id (a parked session's included). */
  prompts(): ReadonlyMap<string, Prompt>;
  debug(): DebugState;
  /** The session ended (done, aborted or error, as its manifest says): nothing more will run. */
  ended(): boolean;
}

const refuseControl = (message: string): ControlResult => ({ ok: false, error: { code: "invalid-control", path: "/action", message: `/action: ${message}` } });

/**
 * Answers from renderers, posted to the inbox. A prompt is answered once from here: a second answer
 * (before the run's row that records the first) is refused as for a prompt no longer open. A prompt
 * asked again (its id reused by a later request) may be answered again.
 */
export class InboxHuman extends WireHuman {
  readonly #post: PostToInbox;
  readonly #view: AttachedView;
  /** The request each prompt id was last answered for. */
  readonly #posted = new Map<string, Prompt>();

  constructor(post: PostToInbox, view: AttachedView) {
    super();
    this.#post = post;
    this.#view = view;
  }

  override answer(frame: AnswerFrame, reply: ReplyTo): void {
    const inReplyTo = frame.id === undefined ? {} : { inReplyTo: frame.id };
    const refuse = (error: Omit<ErrorFrameInput, "fatal">) => reply({ ...error, fatal: false, ...inReplyTo });
    const prompt = this.#view.ended() ? undefined : this.#view.prompts().get(frame.promptId);
    if (!prompt || this.#posted.get(frame.promptId) === prompt) {
      refuse({
        code: "unknown-prompt",
        path: "/promptId",
        message: `/promptId: no open prompt ${JSON.stringify(frame.promptId)} (never asked, already answered, or the run is over)`,
      });
      return;
    }
    if (frame.cancelled !== true) {
      const checked = answerSchema(prompt.kind, prompt.options as readonly { value: string }[] | undefined).safeParse(frame.value);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        const path = `/value${issue ? issue.path.map((key) => `/${String(key)}`).join("") : ""}`;
        refuse({ code: "invalid-answer", path, message: `${path}: ${issue?.message ?? "not a valid answer"} (prompt ${frame.promptId} stays open)` });
        return;
      }
    }
    this.#posted.set(frame.promptId, prompt);
    const answer = frame.cancelled === true ? { cancelled: true as const } : { value: frame.value };
    this.#post({ kind: "answer", promptId: frame.promptId, answer }).catch((error: unknown) => {
      if (this.#posted.get(frame.promptId) === prompt) this.#posted.delete(frame.promptId);
      refuse({ code: "internal", path: "", message: `(frame): the answer could not be posted to the session's inbox: ${(error as Error).message}` });
    });
  }
}

/**
 * A `control` frame's handler: refused as the run's debugger would refuse it when the rows show it
 * makes no sense now, else posted (the run applies it; its `debug/*` rows come back as frames).
 * `onFailure` hears of a control the inbox did not take.
 */
export function controlPoster(post: PostToInbox, view: AttachedView, onFailure: (message: string) => void): (frame: ControlFrame) => ControlResult {
  return (frame) => {
    const { action } = frame;
    if (view.ended()) return refuseControl(`${action}: the run is over`);
    const debug = view.debug();
    if (action === "pause" && debug.paused) return refuseControl("pause: the run is already paused");
    if (action === "step" && !debug.paused) return refuseControl("step: the run is not paused (pause it first, or arm pause-on-next-external)");
    if (action === "continue" && !debug.paused && debug.mode === "run") return refuseControl("continue: the run is not paused");
    const control = { action, ...(frame.n === undefined ? {} : { n: frame.n }) };
    post({ kind: "control", control }).catch((error: unknown) =>
      onFailure(`debugger ${action} could not be posted to the session's inbox: ${(error as Error).message}`),
    );
    return { ok: true };
  };
}
