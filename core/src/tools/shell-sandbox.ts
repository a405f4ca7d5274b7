/**
 * How `shell_run` confines a command on Linux: bubblewrap with the work root writable, the rest
 * of the file system read-only, some paths hidden and, unless allowed, no network.
 */
export interface ShellSandbox {
  /** Path of the `bwrap` executable. */
  bwrap: string;
  /** Directories the command may write (the work root). */
  writable: readonly string[];
  /** Files and directories the command must not see (the session directory, key files). */
  hidden: readonly string[];
  /** Whether the command may reach the network. */
  network: boolean;
}

export { detectBwrap, type BwrapDetection } from "./detect-bwrap.js";
