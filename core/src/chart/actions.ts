import { sendTo, type ActionFunction, type EventObject } from "xstate";
import { snippet } from "@escapement/wire-schema";
import { runServicesOf } from "./run-services.js";

type Resolver<T, TContext> = T | ((args: { context: TContext; event: any }) => T);
const resolve = <T, TContext>(value: Resolver<T, TContext>, args: { context: TContext; event: any }): T =>
  typeof value === "function" ? (value as (args: { context: TContext; event: any }) => T)(args) : value;

/** Sends a user message into a live conversation, by its invoke id. */
export function tellLlm<TContext>(target: string, text: Resolver<string, TContext>) {
  return sendTo(target, ({ context, event }: { context: TContext; event: EventObject }) => ({
    type: "llm.tell" as const,
    text: resolve(text, { context, event }),
  }));
}

/**
 * Captures text (by default the finished turn's full output, `event.text`) as a named artifact:
 * `artifacts/<name>`, written atomically, with an `artifact/captured` row.
 */
export function captureArtifact<TContext>(
  name: Resolver<string, TContext>,
  content: Resolver<string, TContext> = ({ event }) => String((event as { text?: unknown }).text ?? ""),
): ActionFunction<any, any, any, any, any, any, any, any, any> {
  return ({ context, event, system }) => {
    const services = runServicesOf(system);
    const text = resolve(content, { context, event });
    const written = services.artifacts.write(resolve(name, { context, event }), text);
    services.transcript.append("artifact/captured", { name: written.name, ref: written.ref, bytes: written.bytes, snippet: snippet(text) });
  };
}

/** Moves a progress prompt's bar. */
export function updateProgress<TContext>(
  promptId: string,
  progress: Resolver<{ value: number; total: number }, TContext>,
): ActionFunction<any, any, any, any, any, any, any, any, any> {
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
    return runServicesOf(self.system as never).artifacts.renderWithArtifacts(template);
  };
}
