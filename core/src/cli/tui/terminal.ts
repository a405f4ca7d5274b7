import { spawnSync } from "node:child_process";
import type { Writable } from "node:stream";

/**
 * What a terminal UI may leave behind when it dies without cleaning up (SIGKILL, a crash):
 * the kitty keyboard protocol and modifyOtherKeys, mouse tracking, focus events, bracketed
 * paste, the alternate screen, a hidden cursor, synchronized output, application keypad and
 * cursor keys, colours. Writing these to a terminal in its normal state changes nothing.
 */
export const TERMINAL_RESET =
  "\x1b[?2026l" + // end synchronized output
  "\x1b[<99u" + // kitty keyboard protocol: pop every pushed flag set
  "\x1b[=0;1u" + // ... and clear the current flags
  "\x1b[>4;0m" + // modifyOtherKeys off
  "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1005l\x1b[?1006l\x1b[?1015l\x1b[?1016l" + // mouse modes off
  "\x1b[?1004l" + // focus events off
  "\x1b[?2004l" + // bracketed paste off
  "\x1b[?1l\x1b>" + // normal cursor keys, normal keypad
  "\x1b[0m" + // attributes
  "\x1b[?1049l" + // leave the alternate screen (restores the main screen and cursor)
  "\x1b[0 q" + // default cursor shape
  "\x1b[?25h"; // show the cursor

/**
 * The terminal the sidecar borrows: its line settings are saved before the sidecar starts and
 * restored (with the reset sequences) after it exits, however it exits. Raw mode is a termios
 * setting that outlives the process that set it, so this needs `stty`, not escape codes.
 */
export class TerminalGuard {
  readonly #out: Writable & { isTTY?: boolean };
  readonly #inIsTty: boolean;
  #saved: string | undefined;
  #restored = false;

  constructor(out: Writable & { isTTY?: boolean }, inIsTty: boolean) {
    this.#out = out;
    this.#inIsTty = inIsTty;
  }

  save(): void {
    this.#restored = false;
    if (!this.#inIsTty) return;
    const saved = spawnSync("stty", ["-g"], { stdio: ["inherit", "pipe", "ignore"], encoding: "utf8" });
    if (saved.status === 0 && saved.stdout.trim() !== "") this.#saved = saved.stdout.trim();
  }

  /** Reset sequences and line settings. Idempotent until the next `save`. */
  restore(): void {
    if (this.#restored) return;
    if (this.#out.isTTY) this.#out.write(TERMINAL_RESET);
    this.restoreLineSettings();
  }

  /** Line settings only: for a TUI that exited cleanly and already reset its own modes. */
  restoreLineSettings(): void {
    if (this.#restored) return;
    this.#restored = true;
    if (this.#inIsTty) spawnSync("stty", this.#saved ? [this.#saved] : ["sane"], { stdio: ["inherit", "ignore", "ignore"] });
  }
}
