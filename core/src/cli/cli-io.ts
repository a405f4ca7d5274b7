import type { Readable, Writable } from "node:stream";

/** Everything a command touches outside itself, injected so commands run in tests as in a shell. */
export interface CliIo {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  stdoutIsTty: boolean;
  /** Aborted on SIGINT, SIGTERM and SIGHUP (then with a `hangUp` reason: the terminal is gone). */
  signal?: AbortSignal;
  /** This process's id (the terminal UI watches it and exits when it is gone); default `process.pid`. */
  pid?: number;
}
