/**
 * A session of a store without directories (Postgres), as a session directory `open` can replay:
 * its files (the export's layout, see `SessionStore.files`) written into a new temporary
 * directory, removed when the replay is done.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { SessionStore } from "../../store/index.js";

export interface CopiedSession {
  readonly dir: string;
  remove(): void;
}

export async function copySessionOut(store: SessionStore, key: string): Promise<CopiedSession> {
  const dir = mkdtempSync(join(tmpdir(), "escapement-open-"));
  try {
    for await (const file of store.files(key)) {
      const path = join(dir, file.path);
      // The store's paths are its own layout's (no `..`): still, nothing is written outside the copy.
      if (!path.startsWith(`${dir}/`)) throw new Error(`a session file path leaves the session: ${file.path}`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.bytes);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
