import { snippet, SNIPPET_MAX } from "@escapement/wire-schema";
import type { AnyActorRef } from "xstate";
import type { RunServices } from "./run-services.js";
import type { SteerSource } from "./steer-channel.js";

/**
 * Queues a steering message in `conversation`: its `llm/steer-queued` row (a long text goes to
 * the io pack, the row keeps a snippet), then the event that puts it in the conversation's queue.
 * The id is the row's own seq, unique in the session across resumes. Returns the id.
 */
export function queueSteer(services: RunServices, conversation: AnyActorRef, invokeId: string, text: string, from: SteerSource): string {
  const steerId = `s${services.transcript.lastSeq + 1}`;
  services.transcript.append("llm/steer-queued", {
    invokeId,
    steerId,
    from,
    snippet: snippet(text),
    ...(text.length > SNIPPET_MAX ? { ref: services.io.put(`${invokeId}-steer-${steerId}`, { text }) } : {}),
  });
  conversation.send({ type: "escapement.steer", id: steerId, text });
  return steerId;
}
