import type { OpenFlags } from "./commands/open.js";

/** `open`'s flags when the command line gives none of them: program.ts declares these defaults. */
export const OPEN_DEFAULTS: Pick<OpenFlags, "timing" | "speed" | "intervalMs" | "capMs" | "spawn"> = {
  timing: "instant",
  speed: 1,
  intervalMs: 100,
  capMs: 2000,
  // `--no-spawn` is the flag: spawning is the default.
  spawn: true,
};

/**
 * The session of `escapement open <session> --emit-wire` (either order) when the command line is
 * exactly that, with no other argument or flag: what a pipe into another program runs, and
 * whose first frame is waited for. main.ts runs it without loading the command-line parser and
 * the declarations of every command; commander would give it the same flags (`OPEN_DEFAULTS`,
 * `emitWire`). Any other command line, including a session that starts with "-", is undefined:
 * commander parses it.
 */
export function plainEmitWireSession(argv: readonly string[]): string | undefined {
  if (argv.length !== 3 || argv[0] !== "open") return undefined;
  const [, first, second] = argv as [string, string, string];
  const session = first === "--emit-wire" ? second : second === "--emit-wire" ? first : undefined;
  return session === undefined || session.startsWith("-") ? undefined : session;
}

/** `open`'s flags for `plainEmitWireSession`'s command line, as commander parses them. */
export const plainEmitWireFlags = (): OpenFlags => ({ ...OPEN_DEFAULTS, emitWire: true });
