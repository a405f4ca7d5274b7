/**
 * A file-system call that failed because of the machine or the user's paths (a read-only disk, no
 * permission, a file where a directory should be, a full disk), said in one line:
 * `cannot write /path: read-only file system (EROFS)`. The CLI prints it instead of a stack trace.
 */
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { dirname } from "node:path";

/** What each errno code means, in words. Only these codes are a fault of the machine or the paths. */
const reasons: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file too large",
  ENOENT: "no such file or directory",
  EEXIST: "already exists",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  ENOTEMPTY: "directory not empty",
  EMFILE: "too many open files in this process",
  ENFILE: "too many open files on this system",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many levels of symbolic links",
  EIO: "input/output error",
  EBUSY: "resource busy",
  ETXTBSY: "file busy",
  EXDEV: "cannot move across file systems",
};

/** What the failed call tried to do, by syscall. */
const verbs: Readonly<Record<string, string>> = {
  mkdir: "create directory",
  mkdtemp: "create directory",
  open: "open",
  read: "read",
  write: "write",
  fsync: "write",
  ftruncate: "truncate",
  rename: "rename",
  copyfile: "copy",
  unlink: "remove",
  rmdir: "remove",
  rm: "remove",
  scandir: "list",
  opendir: "list",
  stat: "access",
  lstat: "access",
  fstat: "access",
  access: "access",
  realpath: "resolve",
  readlink: "resolve",
  symlink: "link",
  link: "link",
  chmod: "change the mode of",
  utime: "touch",
  watch: "watch",
};

/** Codes that, on `open`, only a write can meet. */
const writeCodes = new Set(["EROFS", "ENOSPC", "EDQUOT", "EFBIG", "EEXIST"]);

/** The file-system error in `error` or its causes, when it is one of the machine's faults; undefined otherwise. */
export function fsFaultOf(error: unknown): NodeJS.ErrnoException | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const errno = current as NodeJS.ErrnoException;
    if (typeof errno.syscall !== "string") continue;
    if (typeof errno.code === "string" && Object.hasOwn(reasons, errno.code)) return errno;
    // Some calls (rmSync on Node 24) report an unknown errno and name the reason only in the message.
    const code = codeInMessage(errno.message);
    if (code !== undefined)
      return Object.assign(new Error(errno.message), { code, syscall: errno.syscall, ...(errno.path === undefined ? {} : { path: errno.path }) });
  }
  return undefined;
}

/** The C library's words for each code, as an error message may carry them. */
const messageCodes: ReadonlyArray<[string, string]> = [
  ["read-only file system", "EROFS"],
  ["permission denied", "EACCES"],
  ["operation not permitted", "EPERM"],
  ["no space left on device", "ENOSPC"],
  ["device or resource busy", "EBUSY"],
  ["directory not empty", "ENOTEMPTY"],
  ["not a directory", "ENOTDIR"],
  ["is a directory", "EISDIR"],
  ["no such file or directory", "ENOENT"],
];

const codeInMessage = (message: string): string | undefined => {
  const lower = message.toLowerCase();
  return messageCodes.find(([words]) => lower.includes(words))?.[1];
};

const describePath = (error: NodeJS.ErrnoException): string => {
  const dest = (error as { dest?: unknown }).dest;
  if (typeof error.path !== "string") return " a file";
  return typeof dest === "string" ? ` ${error.path} to ${dest}` : ` ${error.path}`;
};

/** The nearest ancestor of `path` that exists (the path itself when it does), with what it is. */
function nearestExisting(path: string): { path: string; isDirectory: boolean } | undefined {
  for (let current = path; ; current = dirname(current)) {
    const stat = statQuietly(current);
    if (stat) return { path: current, isDirectory: stat.isDirectory() };
    if (dirname(current) === current) return undefined;
  }
}

/** The path's stat, or undefined when it cannot be had (missing, or under a file: ENOTDIR). */
const statQuietly = (path: string): Stats | undefined => {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
};

/** Why nothing can be created at `path`, found by looking at its nearest existing ancestor; undefined when that shows nothing. */
function whyNotCreatable(path: string): string | undefined {
  const ancestor = nearestExisting(dirname(path));
  if (!ancestor) return undefined;
  if (!ancestor.isDirectory) return `${ancestor.path} is a file, not a directory (ENOTDIR)`;
  try {
    accessSync(ancestor.path, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EROFS") return `${ancestor.path} is on a read-only file system (EROFS)`;
    if (code === "EACCES" || code === "EPERM") return `no permission to write in ${ancestor.path} (${code})`;
  }
  return undefined;
}

/** What a failed `open` was for, as far as the code and the file tell (the flags are not in the error). */
function openVerb(code: string, path: string | undefined): string {
  if (writeCodes.has(code)) return "write";
  if ((code === "EACCES" || code === "EPERM") && path !== undefined) {
    if (!statQuietly(path)) return "create";
    try {
      accessSync(path, constants.R_OK);
      return "write";
    } catch {
      return "read";
    }
  }
  return "open";
}

/**
 * One line for a file-system fault (no "escapement:" prefix): what was tried, on which path, and
 * why, with the errno code. Looks at the path's ancestors when the code alone misleads (a
 * recursive mkdir under a read-only directory reports ENOENT, say).
 */
export function describeFsFault(error: NodeJS.ErrnoException): string {
  const code = error.code ?? "";
  const syscall = error.syscall ?? "";
  const path = typeof error.path === "string" ? error.path : undefined;
  const verb = syscall === "open" ? openVerb(code, path) : (verbs[syscall] ?? syscall);
  const head = `cannot ${verb}${describePath(error)}`;
  if (path !== undefined && (syscall === "mkdir" || syscall === "open")) {
    if (code === "ENOTDIR" || (code === "ENOENT" && syscall === "mkdir")) {
      const why = whyNotCreatable(path);
      if (why) return `${head}: ${why}`;
    }
    if (code === "EEXIST" && syscall === "mkdir" && statQuietly(path)?.isDirectory() === false) {
      return `${head}: a file of that name is in the way (EEXIST)`;
    }
  }
  return `${head}: ${reasons[code] ?? code} (${code})`;
}
