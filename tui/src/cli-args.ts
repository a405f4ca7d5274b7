/** The command line of the TUI: a replay file, or a live core's wire URL and token. */

/** Options of both modes. */
interface CommonArgs {
  readonly sessionDir?: string;
  /** The process that started this UI; when it is gone, the UI ends. */
  readonly parentPid?: number;
}

export type CliArgs =
  | ({ readonly mode: "replay"; readonly file: string } & CommonArgs)
  | ({ readonly mode: "live"; readonly url: string; readonly token: string; readonly since: number } & CommonArgs)
  | { readonly mode: "help" };

export const USAGE = [
  "usage: bun <@escapement/tui>/dist/main.js --replay <file.wire.jsonl> [--session-dir DIR] [--parent-pid PID]",
  "       bun <@escapement/tui>/dist/main.js --url ws://HOST:PORT --token TOKEN [--since SEQ] [--session-dir DIR] [--parent-pid PID]",
  "--token: or the ESCAPEMENT_WIRE_TOKEN environment variable (how the core passes it: not visible in ps)",
  "--session-dir: the run's session directory, to show full requests, responses and artifacts (live, without it: read over the wire)",
  "--parent-pid: the process that started this UI (the core); the UI ends when it is gone",
].join("\n");

export type ParsedArgs = { ok: true; args: CliArgs } | { ok: false; error: string };

const fail = (error: string): ParsedArgs => ({ ok: false, error });

export const tokenEnvVar = "ESCAPEMENT_WIRE_TOKEN";

export const parseCliArgs = (argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ParsedArgs => {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === "--help" || flag === "-h") return { ok: true, args: { mode: "help" } };
    if (!["--replay", "--url", "--token", "--since", "--session-dir", "--parent-pid"].includes(flag)) return fail(`unknown argument ${JSON.stringify(flag)}`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) return fail(`${flag} needs a value`);
    values.set(flag, value);
    i++;
  }
  const dir = values.get("--session-dir");
  const pidText = values.get("--parent-pid");
  const parentPid = pidText === undefined ? undefined : Number(pidText);
  if (parentPid !== undefined && (!Number.isInteger(parentPid) || parentPid <= 0)) {
    return fail(`--parent-pid must be a process id (a whole number above 0), got ${JSON.stringify(pidText)}`);
  }
  const common: CommonArgs = { ...(dir === undefined ? {} : { sessionDir: dir }), ...(parentPid === undefined ? {} : { parentPid }) };
  const file = values.get("--replay");
  const url = values.get("--url");
  if (file !== undefined && url !== undefined) return fail("give either --replay or --url, not both");
  if (file !== undefined) return { ok: true, args: { mode: "replay", file, ...common } };
  if (url === undefined) return fail("give --replay <file> or --url <ws://...>");
  if (!/^wss?:\/\//.test(url)) return fail(`--url must start with ws:// or wss://, got ${JSON.stringify(url)}`);
  const token = values.get("--token") ?? env[tokenEnvVar];
  if (token === undefined) return fail("--url needs --token (see the session's wire.json)");
  const sinceText = values.get("--since") ?? "0";
  const since = Number(sinceText);
  if (!Number.isInteger(since) || since < 0) return fail(`--since must be a whole number, got ${JSON.stringify(sinceText)}`);
  return { ok: true, args: { mode: "live", url, token, since, ...common } };
};
