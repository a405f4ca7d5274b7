import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, relative, sep } from "node:path";
import { readLines } from "../runtime/read-lines.js";
import { sessionPaths, type SessionManifest } from "../runtime/session-dir.js";
import { SessionError } from "../runtime/session-error.js";
import { readSessionDir } from "./session-files.js";
import { LIVE_LOCK_FILE } from "./live-lock.js";

/**
 * A portable session: one JSONL file with a header line, one line per file of the session
 * directory, and an end line carrying the file count and a digest, so a truncated or edited
 * bundle is refused on import. `wire.json` (it holds the run's wire token) and `run.lock` (the
 * live run's process id on this machine) are never exported.
 */
export const bundleFormat = "escapement-session";
export const bundleVersion = 1;

const excluded = new Set(["wire.json", LIVE_LOCK_FILE]);

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

function filesOf(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const rel = relative(root, full).split(sep).join("/");
        if (!excluded.has(rel) && !entry.name.endsWith(".tmp")) out.push(rel);
      }
    }
  };
  walk(root);
  return out.sort();
}

const isText = (buffer: Buffer): boolean => !buffer.includes(0) && Buffer.from(buffer.toString("utf8"), "utf8").equals(buffer);

/** Writes the bundle of one session directory to `outFile`; returns the number of files. Nothing is left at `outFile` if it fails. */
export async function exportSession(dir: string, outFile: string): Promise<number> {
  const { manifest } = readSessionDir(dir);
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
    const files = filesOf(dir);
    for (const path of files) {
      const buffer = readFileSync(join(dir, path));
      const text = isText(buffer);
      const file: BundleFile = { path, encoding: text ? "utf8" : "base64", content: buffer.toString(text ? "utf8" : "base64") };
      write(file);
    }
    const end: BundleEnd = { end: true, files: files.length, sha256: digest.digest("hex") };
    write(end, false);
    flush();
    open = false;
    closeSync(fd);
    renameSync(temp, outFile);
    return files.length;
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
  if (!existsSync(bundleFile) || !statSync(bundleFile).isFile()) throw new SessionError("session-missing", `no export file at ${bundleFile}`);
  const staging = join(root, `.import-${randomBytes(4).toString("hex")}`);
  const digest = createHash("sha256");
  let header: BundleHeader | undefined;
  let end: BundleEnd | undefined;
  let count = 0;
  let lineNo = 0;
  try {
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
        mkdirSync(staging, { recursive: true });
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
      const target = join(staging, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, Buffer.from(value.content, value.encoding));
      count++;
    }
    if (!header) throw corrupt(bundleFile, "empty file");
    if (!end) throw corrupt(bundleFile, "truncated (no end line)");
    if (end.files !== count || end.sha256 !== digest.digest("hex")) throw corrupt(bundleFile, "file count or digest does not match");
    const dir = join(root, header.manifest.sessionId);
    if (existsSync(dir)) throw new SessionError("session-exists", `session ${header.manifest.sessionId} already exists in ${root}; nothing was imported`);
    if (!existsSync(sessionPaths(staging).manifest)) throw corrupt(bundleFile, "no session.json inside");
    renameSync(staging, dir);
    return { sessionId: header.manifest.sessionId, dir, files: count };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
