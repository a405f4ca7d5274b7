/** Facts from the renderer itself, not from the wire: answers and messages it sent. */
import type { AnswerEvent } from "./answers.ts";
import type { SteerSent } from "./steers.ts";

export type LocalEvent = AnswerEvent | SteerSent;
