/**
 * Keys that ask before they act. Esc interrupts the model calls in flight only when pressed again
 * within CONFIRM_INTERRUPT_MS (a habitual Esc, say after closing the pager, does nothing); `q`
 * quits a live run only after `q` again or `y` (any other key keeps it). Pure: the app keeps the
 * pending question and passes the time.
 */

export const CONFIRMABLE = ["interrupt", "quit"] as const;
export type Confirmable = (typeof CONFIRMABLE)[number];

/** How long the second Esc of an interrupt may take. */
export const CONFIRM_INTERRUPT_MS = 1_000;

export interface PendingConfirm {
  readonly action: Confirmable;
  /** When it was asked (epoch ms). */
  readonly at: number;
}

/** A key, as far as a pending question cares. */
export interface ConfirmKey {
  /** The action this key asks for in its context, if any. */
  readonly asks?: Confirmable;
  /** The key is `y`. */
  readonly yes: boolean;
  /** The key came twice in one read (Esc Esc): asked and confirmed at once. */
  readonly twice?: boolean;
}

export type ConfirmStep =
  /** Ask: show the question, wait for the next key. */
  | { readonly kind: "ask"; readonly pending: PendingConfirm }
  /** Confirmed: do it. */
  | { readonly kind: "do"; readonly action: Confirmable }
  /** The question is dropped and the key does nothing else. */
  | { readonly kind: "dropped" }
  /** Nothing pending for this key: it does what it always does. */
  | { readonly kind: "pass" };

/** Whether `pending` still waits at `now`. */
export const stillPending = (pending: PendingConfirm | undefined, now: number): pending is PendingConfirm =>
  pending !== undefined && (pending.action !== "interrupt" || now - pending.at < CONFIRM_INTERRUPT_MS);

/**
 * What `key` does with `pending` (the question asked, if any) at `now`. `needsAsking`: whether the
 * action the key asks for must be confirmed (a quit of a run that is over need not be).
 */
export const confirmStep = (pending: PendingConfirm | undefined, key: ConfirmKey, now: number, needsAsking: boolean): ConfirmStep => {
  if (stillPending(pending, now)) {
    if (key.asks === pending.action || (key.yes && pending.action === "quit")) return { kind: "do", action: pending.action };
    // A quit question takes the next key whatever it is; an interrupt lets other keys through.
    if (pending.action === "quit") return { kind: "dropped" };
  }
  if (key.asks === undefined) return { kind: "pass" };
  return needsAsking && !key.twice ? { kind: "ask", pending: { action: key.asks, at: now } } : { kind: "do", action: key.asks };
};

/** The footer while a question waits. */
export const confirmPrompt = (pending: PendingConfirm): string =>
  pending.action === "interrupt"
    ? "Esc again to interrupt the model calls in flight"
    : "Quit? The run is still live and ends when the UI quits: q or y to quit, any other key to stay";
