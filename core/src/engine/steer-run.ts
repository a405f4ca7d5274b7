import type { AnyActorRef } from "xstate";
import { isConversationActor } from "./conversation-actors.js";
import { queueSteer } from "./steer-queue.js";
import { isLive, type Run } from "./run-lifecycle.js";
import type { SteerResult, SteerSource } from "./steer-channel.js";

/** The run's live conversations by invoke id: the root's children that are conversations. */
function liveConversations(run: Run): Map<string, AnyActorRef> {
  const children = (run.actor?.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> } | undefined)?.children ?? {};
  const live = new Map<string, AnyActorRef>();
  for (const [id, child] of Object.entries(children)) {
    if (child && isConversationActor(child) && (child.getSnapshot() as { status?: string }).status === "active") live.set(id, child);
  }
  return live;
}

/**
 * Queues a checked message (see `steerTextProblem`) for a live conversation of `run`: the
 * `llm/steer-queued` row and the conversation's queue are checkpointed together, so a resume
 * keeps a message that was not delivered yet. The conversation delivers it at its next step.
 *
 * @internal
 */
export function steerRun(run: Run, conversation: string, text: string, from: SteerSource): SteerResult {
  if (!isLive(run) || !run.actor) return { ok: false, code: "not-running", message: "the run is not running: its chart has not started, or it has ended" };
  const live = liveConversations(run);
  const target = live.get(conversation);
  if (!target) {
    const ids = [...live.keys()];
    return {
      ok: false,
      code: "unknown-conversation",
      message: `no live conversation "${conversation}" (${ids.length === 0 ? "none is live now" : `live: ${ids.join(", ")}`})`,
    };
  }
  const steerId = queueSteer(run.services, target, conversation, text, from);
  void run.services.checkpointNow();
  return { ok: true, steerId };
}
