/**
 * The terminal UI on this terminal, as every command that shows one runs it: the terminal's line
 * settings saved before the Bun sidecar starts and put back after it exits, however it exits, and
 * an interrupt (SIGINT/SIGTERM to the core) stopping it.
 */
import type { CliIo } from "../cli-io.js";
import { sidecarArgs, spawnSidecar, type Sidecar, type SidecarCommand, type SidecarExit } from "./sidecar.js";
import { TerminalGuard } from "./terminal.js";

/** The terminal the UI borrows, saved now. */
export function borrowTerminal(io: CliIo): TerminalGuard {
  const terminal = new TerminalGuard(io.stdout, Boolean((io.stdin as { isTTY?: boolean }).isTTY));
  terminal.save();
  return terminal;
}

/** After the UI exited: a clean exit put its screen back itself (only the line settings are left to restore); any other, the whole terminal. */
export function giveTerminalBack(terminal: TerminalGuard, exit: SidecarExit): void {
  if (exit.code === 0 && exit.signal === null) terminal.restoreLineSettings();
  else terminal.restore();
}

/**
 * Runs the UI until it exits and gives the terminal back. `sessionDir`: where it reads full
 * payloads (none: over the wire). `started`: told once the UI process is spawned.
 */
export async function runTerminalUi(
  command: SidecarCommand,
  sessionDir: string | undefined,
  io: CliIo,
  started?: (sidecar: Sidecar) => void,
): Promise<SidecarExit> {
  const terminal = borrowTerminal(io);
  const sidecar = spawnSidecar(sidecarArgs(command, sessionDir), { cwd: io.cwd, env: io.env });
  started?.(sidecar);
  const onInterrupt = () => void sidecar.stop();
  io.signal?.addEventListener("abort", onInterrupt, { once: true });
  const exit = await sidecar.exited;
  io.signal?.removeEventListener("abort", onInterrupt);
  giveTerminalBack(terminal, exit);
  return exit;
}
