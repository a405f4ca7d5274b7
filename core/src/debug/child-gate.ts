import type { RunGate } from "./debug-gate.js";

/**
 * A fleet child's debugger gate: its external events go through the parent run's gate, labelled
 * with the child session (`<childSessionId>: model call agent turn 2`), so pausing or stepping the
 * parent holds the whole fleet and `interrupt` reaches the children's model calls too (as
 * `<childSessionId>/<invokeId>`, the name the parent's transcript mirrors them under). The child
 * neither binds nor closes the parent's gate; once its run is over, its held events are dropped.
 */
export function childGate(parent: RunGate, childSessionId: string): RunGate {
  let closed = false;
  const label = (text: string): string => `${childSessionId}: ${text}`;
  return {
    get paused() {
      return parent.paused;
    },
    bind: () => {},
    close: () => {
      closed = true;
    },
    pass: (text, deliver) => {
      if (closed) return;
      parent.pass(label(text), () => {
        if (!closed) deliver();
      });
    },
    enter: (text, signal) => (closed ? undefined : parent.enter(label(text), signal)),
    interruptible: (invokeId, abort) => parent.interruptible(`${childSessionId}/${invokeId}`, abort),
  };
}
