/** Reconnect delays: 250 ms doubling to 5 s, so a restarted core is found quickly and a gone one is not hammered. */
export const backoffMs = (attempt: number): number => Math.min(5_000, 250 * 2 ** Math.max(0, attempt));
