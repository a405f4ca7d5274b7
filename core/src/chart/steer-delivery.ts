import type { AnyActorRef } from "xstate";
import type { RunServices } from "../engine/run-services.js";
import type { ConversationState } from "./conversation-state.js";
import { queueSteer } from "../engine/steer-queue.js";

/**
 * A conversation's step boundary, before it builds the request of step `state.turn + 1`: a
 * replayed recording's messages due at this step are queued (as they were when recorded), then
 * every queued message goes into the history, each with an `llm/steer-injected` row naming the
 * step. Returns whether anything was delivered (the state changed: build the request again).
 * Events to `self` are processed at once: call it only once the actor has started.
 *
 * The cassette line comes first, then the rows and the checkpoint: a crash between them delivers
 * the message again on resume, under the same id, and a replay reads it once.
 */
export function deliverSteering(self: AnyActorRef, services: RunServices, state: ConversationState): boolean {
  const turn = state.turn + 1;
  // A resumed step whose answer is on disk was asked without them: they wait for the step after.
  if (services.recorded.has(state.invokeId, turn)) return false;
  for (const steer of services.replaySteers?.take(state.invokeId, turn) ?? []) queueSteer(services, self, state.invokeId, steer.text, "replay");
  const queued = (self.getSnapshot() as { context: ConversationState }).context.steering ?? [];
  if (queued.length === 0) return false;
  const origin = { invokeId: state.invokeId, stateId: state.stateId, turn };
  for (const message of queued) services.recordSteer?.({ origin, steerId: message.id, text: message.text });
  self.send({ type: "escapement.steer-injected" });
  for (const message of queued) services.transcript.append("llm/steer-injected", { invokeId: state.invokeId, steerId: message.id, turn });
  void services.checkpointNow();
  return true;
}
