import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";

/** Whether bubblewrap can confine `shell_run` on this machine: the path of `bwrap`, or why not. */
export type BwrapDetection = { path: string } | { unavailable: string };

const probeTimeoutMs = 5000;

/** The namespaces and mounts every sandbox uses: what the probe must be allowed to set up. */
const probeArgs = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--unshare-all", "--die-with-parent", "true"];

const detections = new Map<string, Promise<BwrapDetection>>();

/**
 * Finds `bwrap` on `path` (default: this process's PATH) and runs it once with the namespaces a
 * sandbox needs, since it may be installed and still fail: in a container without user
 * namespaces, or where the kernel forbids unprivileged ones. The answer is kept for the life of
 * the process (per `path`).
 */
export const detectBwrap = (path: string = process.env["PATH"] ?? ""): Promise<BwrapDetection> => {
  let detection = detections.get(path);
  if (!detection) {
    detection = detect(path);
    detections.set(path, detection);
  }
  return detection;
};

const detect = async (path: string): Promise<BwrapDetection> => {
  if (process.platform !== "linux") return { unavailable: `bubblewrap needs Linux (this is ${process.platform})` };
  const bwrap = await findExecutable("bwrap", path);
  if (bwrap === undefined) return { unavailable: "bwrap is not on PATH (install the bubblewrap package)" };
  const failure = await probe(bwrap);
  return failure === undefined ? { path: bwrap } : { unavailable: `${bwrap} cannot create a sandbox here: ${failure}` };
};

const findExecutable = async (name: string, path: string): Promise<string | undefined> => {
  for (const dir of path.split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not here: try the next directory.
    }
  }
  return undefined;
};

/** Runs the probe sandbox; undefined when it worked, else what went wrong (bwrap's own message when it gave one). */
const probe = (bwrap: string): Promise<string | undefined> =>
  new Promise((resolve) => {
    execFile(bwrap, probeArgs, { timeout: probeTimeoutMs, killSignal: "SIGKILL" }, (error, _stdout, stderr) => {
      if (!error) return resolve(undefined);
      const said = stderr.trim().split("\n").at(-1)?.trim();
      if (said) return resolve(said);
      if (error.killed) return resolve(`the probe did not finish within ${probeTimeoutMs} ms`);
      resolve(error.message);
    });
  });
