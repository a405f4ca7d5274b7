/**
 * Reading a saved session's files for the session commands, whatever state they are in: a
 * manifest that is not one, a ref into a truncated io pack, a ref naming a child session's
 * directory. Damage is reported as a `SessionError` or a described result, never a crash.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { parseRef } from "@escapement/wire-schema/runtime";
import { describeFsFault, fsFaultOf } from "../runtime/fs-fault.js";
import { openSessionDir, sessionPaths, type SessionManifest, type SessionPaths } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import type { SessionStore } from "../store/index.js";

/** What a manifest must hold for the session commands to show it. */
export function manifestProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "it is not a JSON object";
  const { sessionId, chartId, status, createdAt } = value as Record<string, unknown>;
  if (typeof sessionId !== "string" || sessionId === "") return "it has no sessionId";
  if (typeof chartId !== "string") return "it has no chartId";
  if (typeof status !== "string") return "it has no status";
  if (typeof createdAt !== "number" || !Number.isFinite(createdAt)) return "it has no createdAt time";
  return undefined;
}

/** `openSessionDir`, refusing a `session.json` that is JSON but not a manifest. */
export function readSessionDir(dir: string): { paths: SessionPaths; manifest: SessionManifest } {
  const opened = openSessionDir(dir);
  const problem = manifestProblem(opened.manifest);
  if (problem) throw new SessionError("checkpoint-malformed", `${opened.paths.manifest} is not a session manifest: ${problem}`);
  return opened;
}

/** A session's manifest from its store, refused as `readSessionDir` refuses it when it is not one. */
export async function readStoredManifest(store: SessionStore, key: string): Promise<SessionManifest> {
  if (store.kind === "disk") return readSessionDir(key).manifest;
  const manifest = await store.manifest(key);
  const problem = manifestProblem(manifest);
  if (problem) throw new SessionError("checkpoint-malformed", `${store.location(key)}/session.json is not a session manifest: ${problem}`);
  return manifest;
}

/** What a row's `ref` names inside a session directory. */
export type RefContent =
  /**
   * The blob's text. `missingBytes` > 0: the file ends before the range does (a truncated pack);
   * `omittedBytes` > 0: the blob is larger than one read takes, the rest is not in `text`.
   */
  | { kind: "text"; text: string; missingBytes: number; omittedBytes: number }
  | { kind: "missing"; path: string }
  /** A child session's directory (a fleet's `children/<id>`). */
  | { kind: "child"; dir: string; manifest?: SessionManifest; problem?: string }
  | { kind: "directory"; dir: string }
  | { kind: "unreadable"; reason: string };

/** Reads at most this much of one blob: a damaged ref must not make a reader allocate gigabytes. */
const maxBlobBytes = 64 * 1024 * 1024;

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** The content a ref names, read defensively: never outside the session directory, never past the file's end. */
export function readRef(sessionDir: string, ref: string): RefContent {
  const { path, range } = parseRef(ref);
  const root = resolve(sessionDir);
  const file = resolve(root, path);
  const inside = relative(root, file);
  if (path === "") return { kind: "unreadable", reason: "it names no file" };
  if (isAbsolute(path) || inside === ".." || inside.startsWith(`..${sep}`)) {
    return { kind: "unreadable", reason: "it points outside the session directory" };
  }
  if (range && (!isCount(range.offset) || !isCount(range.length))) return { kind: "unreadable", reason: "its byte range is not valid" };
  try {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat) return { kind: "missing", path: file };
    if (stat.isDirectory()) {
      if (!existsSync(sessionPaths(file).manifest)) return { kind: "directory", dir: file };
      try {
        return { kind: "child", dir: file, manifest: readSessionDir(file).manifest };
      } catch (error) {
        if (error instanceof SessionError) return { kind: "child", dir: file, problem: error.message };
        throw error;
      }
    }
    const offset = range?.offset ?? 0;
    const wanted = range ? range.length : stat.size;
    const present = Math.max(0, Math.min(wanted, stat.size - offset));
    const length = Math.min(present, maxBlobBytes);
    const buffer = Buffer.alloc(length);
    const fd = openSync(file, "r");
    let read = 0;
    try {
      while (read < length) {
        const n = readSync(fd, buffer, read, length - read, offset + read);
        if (n === 0) break;
        read += n;
      }
    } finally {
      closeSync(fd);
    }
    return { kind: "text", text: buffer.subarray(0, read).toString("utf8"), missingBytes: wanted - present, omittedBytes: present - read };
  } catch (error) {
    const fault = fsFaultOf(error);
    if (fault) return { kind: "unreadable", reason: describeFsFault(fault) };
    throw error;
  }
}
