import { sendTo, type ActorSystem, type AnyActorRef, type EventObject } from "xstate";
import { snippet } from "@escapement/wire-schema";
import { runServicesOf } from "../engine/run-services.js";

type Resolver<T, TContext> = T | ((args: { context: TContext; event: any }) => T);
const resolve = <T, TContext>(value: Resolver<T, TContext>, args: { context: TContext; event: any }): T =>
  typeof value === "function" ? (value as (args: { context: TContext; event: any }) => T)(args) : value;

/**
 * An action any chart accepts in `actions`, `entry` or `exit`, whatever its `setup` declares;
 * `TContext` is inferred from where the action is used.
 */
export type ChartAction<TContext> = (args: { context: TContext; event: any; self: AnyActorRef; system: ActorSystem<any> }, params: unknown) => void;

/** Sends a user message into a live conversation, by its invoke id. */
export function tellLlm<TContext>(target: string, text: Resolver<string, TContext>): ChartAction<TContext> {
  const action = sendTo(target, ({ context, event }: { context: any; event: EventObject }) => ({
    type: "llm.tell" as const,
    text: resolve(text, { context, event }),
  }));
  // Still xstate's built-in sendTo at runtime; only its type is widened to fit any chart.
  return action;
}

/**
 * Compacts a live conversation, by its invoke id: its older history is replaced by a summary
 * before its next model step, or at once when it is idle (see `converse({ compaction })`).
 */
export function compact<TContext>(conversationId: string): ChartAction<TContext> {
  const action = sendTo(conversationId, (_args: { context: any; event: EventObject }) => ({ type: "escapement.compact-requested" as const }));
  // Still xstate's built-in sendTo at runtime; only its type is widened to fit any chart.
  return action;
}

/**
 * Captures text (by default the finished turn's full output, `event.text`) as a named artifact:
 * `artifacts/<name>`, written atomically, with an `artifact/captured` row.
 */
export function captureArtifact<TContext>(
  name: Resolver<string, TContext>,
  content: Resolver<string, TContext> = ({ event }) => String((event as { text?: unknown }).text ?? ""),
): ChartAction<TContext> {
  return ({ context, event, system }) => {
    const services = runServicesOf(system);
    const text = resolve(content, { context, event });
    const written = services.artifacts.write(resolve(name, { context, event }), text);
    services.transcript.append("artifact/captured", { name: written.name, ref: written.ref, bytes: written.bytes, snippet: snippet(text) });
  };
}

/** Moves a progress prompt's bar. */
export function updateProgress<TContext>(promptId: string, progress: Resolver<{ value: number; total: number }, TContext>): ChartAction<TContext> {
  return ({ context, event, system }) => {
    const services = runServicesOf(system);
    const { value, total } = resolve(progress, { context, event });
    services.transcript.append("human-input/progress", { promptId, value, total });
    services.human.progress?.(promptId, value, total);
  };
}

/** Renders `{{name}}` placeholders from the session's artifacts (missing -> a clear error). */
export function fromArtifacts(template: string) {
  return ({ self }: { self?: { system: unknown } }): string => {
    if (!self) throw new Error("fromArtifacts() can only be used as a conversation param");
    let services: ReturnType<typeof runServicesOf>;
    try {
      services = runServicesOf(self.system as never);
    } catch {
      // The initial state's invokes are resolved while the actor is created, before the run binds its services.
      throw new Error(
        `fromArtifacts(${JSON.stringify(snippet(template))}) was evaluated outside a running session: it cannot be ` +
          "used in the chart's initial state (no artifact exists before the run starts) or outside runChart",
      );
    }
    return services.artifacts.renderWithArtifacts(template);
  };
}
