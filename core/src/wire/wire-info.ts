import { rmSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { PROTOCOL_NAME, PROTOCOL_VERSION } from "@escapement/wire-schema";

/** `<session-dir>/wire.json` while a run is live: how a renderer reaches it. */
export interface WireInfo {
  url: string;
  token: string;
  protocol: { name: string; version: string };
  pid: number;
}

export const wireInfoPath = (sessionDir: string): string => join(sessionDir, "wire.json");

/** What a renderer needs to reach a wire server. Pure. */
export const wireInfoOf = (url: string, token: string, pid: number): WireInfo => ({
  url,
  token,
  protocol: { name: PROTOCOL_NAME, version: PROTOCOL_VERSION },
  pid,
});

/** Written atomically with mode 0600: the token is a credential for this run. */
export function writeWireInfo(sessionDir: string, url: string, token: string): WireInfo {
  const info = wireInfoOf(url, token, process.pid);
  const path = wireInfoPath(sessionDir);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
  return info;
}

export function removeWireInfo(sessionDir: string): void {
  rmSync(wireInfoPath(sessionDir), { force: true });
}

/**
 * `removeWireInfo` that never throws: a run's end, or a run starting where a killed one left its
 * `wire.json`. A session directory that refuses the removal refuses the run's own writes too, and
 * that is the error worth reporting.
 */
export function tryRemoveWireInfo(sessionDir: string): void {
  try {
    removeWireInfo(sessionDir);
  } catch {
    // See above.
  }
}
