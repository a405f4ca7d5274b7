/**
 * What `--store` names: `disk` (the default: session directories under the sessions root),
 * `memory` (this process only), or a Postgres URL (`postgres://` or `postgresql://`).
 */
import { UsageError } from "../runtime/usage-error.js";
import { diskStore } from "./disk-store.js";
import { memoryStore } from "./memory-store.js";
import { postgresStore } from "./postgres-store.js";
import type { SessionStore } from "./session-store.js";

export type StoreSpec = { kind: "disk" } | { kind: "memory" } | { kind: "postgres"; url: string };

/** The store a `--store` value names; a `UsageError` for anything else. */
export function parseStoreSpec(spec: string): StoreSpec {
  const value = spec.trim();
  if (value === "disk" || value === "memory") return { kind: value };
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: "postgres", url: value };
  throw new UsageError(`--store expects disk, memory or a postgres:// URL, got "${spec}"`);
}

/**
 * The store a spec names: disk under `root` (ids looked up there, directories against `cwd`), a new
 * memory store, or a connection to Postgres (a `SessionError` naming the URL, without its password,
 * when it cannot be used). Close it when done.
 */
export async function openStore(spec: StoreSpec, where: { root: string; cwd: string }): Promise<SessionStore> {
  if (spec.kind === "memory") return memoryStore();
  if (spec.kind === "postgres") return postgresStore({ url: spec.url });
  return diskStore(where);
}
