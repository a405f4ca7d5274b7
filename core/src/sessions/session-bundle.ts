import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, isAbsolute, normalize, resolve } from "node:path";
import { readLines } from "../runtime/read-lines.js";
import type { SessionManifest } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import { diskStore, type SessionFile, type SessionStore } from "../store/index.js";
import { readSessionDir, readStoredManifest } from "./session-files.js";

/**
 * A portable session: one JSONL file with a header line, one line per file of the session (in the
 * disk store's layout, whichever store it came from), and an end line carrying the file count and a digest, so a truncated or edited
 * bundle is refused on import. `wire.json` (it holds the run's wire token) and `run.lock` (the
 * live run's process id on this machine) are never exported.
 */
export const bundleFormat = "escapement-session";
export const bundleVersion = 1;

interface BundleHeader {
  format: typeof bundleFormat;
  version: number;
  manifest: SessionManifest;
}

interface BundleFile {
  path: string;
  encoding: "utf8" | "base64";
  content: string;
}

interface BundleEnd {
  end: true;
  files: number;
  sha256: string;
}

const isText = (buffer: Buffer): boolean => !buffer.includes(0) && Buffer.from(buffer.toString("utf8"), "utf8").equals(buffer);

/** Writes the bundle of one session directory to `outFile`; returns the number of files. Nothing is left at `outFile` if it fails. */
export async function exportSession(dir: string, outFile: string): Promise<number> {
  readSessionDir(dir);
  return exportStoredSession(diskStore({ root: dirname(resolve(dir)), cwd: dirname(resolve(dir)) }), resolve(dir), outFile);
}

/** Writes the bundle of a session of any store (`key` from its `locate` or `list`) to `outFile`; returns the number of files. */
export async function exportStoredSession(store: SessionStore, key: string, outFile: string): Promise<number> {
  const manifest = await readStoredManifest(store, key);
  if (existsSync(outFile)) throw new SessionError("session-exists", `${outFile} already exists; nothing was written`);
  const temp = `${outFile}.tmp`;
  // Written synchronously through one descriptor: a refusal (read-only, full disk) is thrown where it
  // happens, and the temporary file goes away with it.
  const fd = openSync(temp, "w");
  let open = true;
  try {
    const digest = createHash("sha256");
    let pending = "";
    const flush = () => {
      const bytes = Buffer.from(pending, "utf8");
      for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written);
      pending = "";
    };
    const write = (value: unknown, digested = true) => {
      const line = `${JSON.stringify(value)}\n`;
      if (digested) digest.update(line);
      pending += line;
      if (pending.length >= 1 << 20) flush();
    };
    const header: BundleHeader = { format: bundleFormat, version: bundleVersion, manifest };
    write(header);
    let count = 0;
    for await (const { path, bytes } of store.files(key)) {
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const text = isText(buffer);
      const file: BundleFile = { path, encoding: text ? "utf8" : "base64", content: buffer.toString(text ? "utf8" : "base64") };
      write(file);
      count++;
    }
    const end: BundleEnd = { end: true, files: count, sha256: digest.digest("hex") };
    write(end, false);
    flush();
    open = false;
    closeSync(fd);
    renameSync(temp, outFile);
    return count;
  } catch (error) {
    if (open) closeQuietly(fd);
    rmSync(temp, { force: true });
    throw error;
  }
}

const closeQuietly = (fd: number): void => {
  try {
    closeSync(fd);
  } catch {
    // Closed already, or the close failed too: the file is removed next either way.
  }
};

const corrupt = (file: string, why: string) => new SessionError("checkpoint-malformed", `${file} is not a valid session export: ${why}; nothing was imported`);

function safePath(file: string, path: unknown): string {
  if (typeof path !== "string" || path === "" || isAbsolute(path) || normalize(path).split(/[\\/]/).includes("..")) {
    throw corrupt(file, `unsafe file path ${JSON.stringify(path)}`);
  }
  return path;
}

/** Imports a bundle as `<root>/<sessionId>`; refuses to replace an existing session. */
export async function importSession(bundleFile: string, root: string): Promise<{ sessionId: string; dir: string; files: number }> {
  const imported = await importIntoStore(bundleFile, diskStore({ root, cwd: root }));
  return { sessionId: imported.sessionId, dir: imported.key, files: imported.files };
}

/**
 * Imports a bundle into a store: the whole bundle is read and checked (header, paths, count,
 * digest) before the store is given the session, so a damaged bundle changes nothing. Refuses to
 * replace an existing session. `key` is the session's key in the store (the disk store's: its directory).
 */
export async function importIntoStore(bundleFile: string, store: SessionStore): Promise<{ sessionId: string; key: string; files: number }> {
  if (!existsSync(bundleFile) || !statSync(bundleFile).isFile()) throw new SessionError("session-missing", `no export file at ${bundleFile}`);
  const digest = createHash("sha256");
  let header: BundleHeader | undefined;
  let end: BundleEnd | undefined;
  const files: SessionFile[] = [];
  let lineNo = 0;
  for await (const line of readLines(bundleFile)) {
    lineNo++;
    if (end) throw corrupt(bundleFile, `content after the end line (line ${lineNo})`);
    let value: any;
    try {
      value = JSON.parse(line);
    } catch {
      throw corrupt(bundleFile, `line ${lineNo} is not JSON`);
    }
    if (!header) {
      if (value?.format !== bundleFormat) throw corrupt(bundleFile, "missing header line");
      if (value.version !== bundleVersion) throw corrupt(bundleFile, `unsupported version ${value.version} (this build reads ${bundleVersion})`);
      if (typeof value.manifest?.sessionId !== "string" || !/^[A-Za-z0-9._-]+$/.test(value.manifest.sessionId)) {
        throw corrupt(bundleFile, "header has no valid session id");
      }
      header = value as BundleHeader;
      digest.update(`${line}\n`);
      continue;
    }
    if (value?.end === true) {
      end = value as BundleEnd;
      continue;
    }
    digest.update(`${line}\n`);
    const path = safePath(bundleFile, value?.path);
    if (value.encoding !== "utf8" && value.encoding !== "base64") throw corrupt(bundleFile, `line ${lineNo}: unknown encoding`);
    if (typeof value.content !== "string") throw corrupt(bundleFile, `line ${lineNo}: no content`);
    files.push({ path, bytes: Buffer.from(value.content, value.encoding) });
  }
  if (!header) throw corrupt(bundleFile, "empty file");
  if (!end) throw corrupt(bundleFile, "truncated (no end line)");
  if (end.files !== files.length || end.sha256 !== digest.digest("hex")) throw corrupt(bundleFile, "file count or digest does not match");
  if (!files.some((file) => file.path === "session.json")) throw corrupt(bundleFile, "no session.json inside");
  const key = await store.put(header.manifest, files);
  return { sessionId: header.manifest.sessionId, key, files: files.length };
}
