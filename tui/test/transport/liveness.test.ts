import { describe, expect, test } from "bun:test";
import { backoffDelay, reconnectDelay } from "../../src/transport/backoff.ts";
import { HELLO_WAIT_MS, livenessAt, nextChangeAt, type LinkTimes } from "../../src/transport/liveness.ts";

const T = 1_000_000;

describe("liveness of the core on one socket", () => {
  test("before hello: handshaking, then no answer after HELLO_WAIT_MS, for as long as it takes", () => {
    const link: LinkTimes = { openedAt: T, heartbeatMs: 0 };
    expect(livenessAt(link, T)).toBe("handshaking");
    expect(livenessAt(link, T + HELLO_WAIT_MS - 1)).toBe("handshaking");
    expect(nextChangeAt(link, T)).toBe(T + HELLO_WAIT_MS);
    expect(livenessAt(link, T + HELLO_WAIT_MS)).toBe("no-answer");
    expect(livenessAt(link, T + 60_000)).toBe("no-answer");
    expect(nextChangeAt(link, T + HELLO_WAIT_MS)).toBeUndefined();
  });

  test("after hello: responding; not responding after two silent heartbeat intervals; timed out after three", () => {
    const link: LinkTimes = { openedAt: T, helloAt: T + 10, lastFrameAt: T + 10, heartbeatMs: 1_000 };
    expect(livenessAt(link, T + 2_009)).toBe("responding");
    expect(nextChangeAt(link, T + 100)).toBe(T + 2_010);
    expect(livenessAt(link, T + 2_010)).toBe("not-responding");
    expect(nextChangeAt(link, T + 2_010)).toBe(T + 3_010);
    expect(livenessAt(link, T + 3_010)).toBe("timed-out");
    expect(nextChangeAt(link, T + 3_010)).toBeUndefined();
  });

  test("any frame, a heartbeat included, counts: silence is measured from the latest", () => {
    const link: LinkTimes = { openedAt: T, helloAt: T, lastFrameAt: T + 1_900, heartbeatMs: 1_000 };
    expect(livenessAt(link, T + 2_500)).toBe("responding");
    expect(livenessAt(link, T + 3_900)).toBe("not-responding");
  });

  test("without heartbeats (heartbeatMs 0) silence means nothing", () => {
    const link: LinkTimes = { openedAt: T, helloAt: T, heartbeatMs: 0 };
    expect(livenessAt(link, T + 3_600_000)).toBe("responding");
    expect(nextChangeAt(link, T)).toBeUndefined();
  });
});

describe("the reconnect window", () => {
  const backoff = { initialMs: 250, maxMs: 5_000, factor: 2 };

  test("delays follow the backoff inside the window, the last one ends on it, none after it", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(backoff, n))).toEqual([250, 500, 1_000, 2_000, 4_000]);
    expect(reconnectDelay(backoff, 1, 0, 10_000)).toBe(250);
    expect(reconnectDelay(backoff, 5, 3_750, 10_000)).toBe(4_000);
    expect(reconnectDelay(backoff, 6, 7_750, 10_000)).toBe(2_250);
    expect(reconnectDelay(backoff, 7, 10_000, 10_000)).toBeUndefined();
    expect(reconnectDelay(backoff, 7, 10_001, 10_000)).toBeUndefined();
  });
});
