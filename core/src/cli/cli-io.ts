import type { Readable, Writable } from "node:stream";

/** Everything a command touches outside itself, injected so commands run in tests as in a shell. */
export interface CliIo {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  stdoutIsTty: boolean;
  signal?: AbortSignal;
}
