/**
 * First paint of `npm start` in a real terminal: a tmux server on its own socket runs
 * `node scripts/start.mjs` (what `npm start` runs, without npm's own start-up) in a 120x40 pane,
 * and the pane is captured every few milliseconds until the terminal UI's first frame is on the
 * screen: the alternate screen is on and it holds text; then until a frame shows the run (the core
 * connected, `● connected`). The time is from starting the command
 * (tmux `new-session` is given the command, so no shell sits between) to that capture. Each run
 * then waits for the run to end (`done` on the screen), quits the UI with `q` and removes its tmux
 * server, so no sample starts while the previous one still uses the CPU.
 *
 * Needs tmux on PATH; says so and is skipped without it.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export interface FirstPaint {
  /** Milliseconds from the command to the first painted frame, one per run. */
  samples: number[];
  median: number;
  /** Milliseconds from the command to the first frame that shows the run (the core connected), one per run. */
  connectedSamples: number[];
  connectedMedian: number;
  /** The first frame's top line (what the user saw first), from the median run. */
  firstLine: string;
}

const POLL_MS = 5;
const RUN_DEADLINE_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether tmux can be started here. */
export const hasTmux = (): boolean => spawnSync("tmux", ["-V"], { encoding: "utf8" }).status === 0;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** One run: the time to the first painted frame, and that frame's first non-blank line. */
async function oneRun(root: string, socket: string): Promise<{ ms: number; connectedMs: number; firstLine: string }> {
  const tmux = (...args: string[]) => spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const command = `${JSON.stringify(process.env["NODE"] ?? "node")} ${JSON.stringify(join(root, "scripts/start.mjs"))}`;
  const started = performance.now();
  const created = tmux("new-session", "-d", "-x", "120", "-y", "40", "-c", root, command);
  if (created.status !== 0) throw new Error(`tmux new-session failed: ${created.stderr.trim()}`);
  try {
    let first: { ms: number; firstLine: string } | undefined;
    for (;;) {
      const elapsed = performance.now() - started;
      if (elapsed > RUN_DEADLINE_MS) throw new Error(`no ${first ? "connected " : ""}frame within ${RUN_DEADLINE_MS} ms`);
      const alternate = tmux("display-message", "-p", "#{alternate_on}").stdout.trim() === "1";
      const screen = alternate ? tmux("capture-pane", "-p").stdout : "";
      const firstLine = screen.split("\n").find((text) => text.trim() !== "");
      if (first === undefined && firstLine !== undefined) first = { ms: elapsed, firstLine: firstLine.trim() };
      if (first !== undefined && screen.includes("● connected")) return { ...first, connectedMs: elapsed };
      await sleep(POLL_MS);
    }
  } finally {
    // Let the run end on its own (a killed run would leave work behind), quit the UI, then remove the server.
    const deadline = performance.now() + RUN_DEADLINE_MS;
    while (performance.now() < deadline && !/\bdone\b/.test(tmux("capture-pane", "-p").stdout)) await sleep(50);
    tmux("send-keys", "q");
    while (performance.now() < deadline && tmux("has-session").status === 0) await sleep(50);
    tmux("kill-server");
  }
}

/** `runs` first paints of `npm start`, one after the other (one warm-up run first, not counted). */
export async function measureFirstPaint(root: string, runs: number): Promise<FirstPaint> {
  const socket = `escapement-bench-${process.pid}`;
  // A tmux server of its own per run: a server just killed may still be on its way out.
  await oneRun(root, `${socket}-warm-up`);
  const results: { ms: number; connectedMs: number; firstLine: string }[] = [];
  for (let run = 0; run < runs; run++) results.push(await oneRun(root, `${socket}-${run}`));
  const samples = results.map((result) => result.ms);
  const connectedSamples = results.map((result) => result.connectedMs);
  const middle = median(samples);
  const closest = results.reduce((best, result) => (Math.abs(result.ms - middle) < Math.abs(best.ms - middle) ? result : best));
  return { samples, median: middle, connectedSamples, connectedMedian: median(connectedSamples), firstLine: closest.firstLine };
}
