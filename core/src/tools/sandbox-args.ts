import { realpath, stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { controlSockets } from "./control-sockets.js";
import type { ShellSandbox } from "./shell-sandbox.js";

/** A path the sandbox mounts over, by its real path (a mount at a symlink would leave its target visible). */
interface Mount {
  path: string;
  kind: "writable" | "hidden-dir" | "hidden-file";
}

/**
 * The bwrap options that confine a command to `sandbox` and start it in `cwd`; the command
 * (`bash -c ...`) follows them. bwrap applies mounts in order, a later one covering what an
 * earlier one put at or above its path:
 *
 * 1. the whole file system read-only, a fresh /dev and /proc (this pid namespace's processes
 *    only), and an empty private /tmp, where TMPDIR points (the host's may be read-only here);
 * 2. the writable directories and the hidden paths, shallowest first, so whichever lies inside
 *    the other wins: a hidden directory inside the work root stays hidden, a work root inside a
 *    hidden directory stays writable (on the same path, hidden wins). A hidden directory becomes
 *    an empty read-only tmpfs, a hidden file (or socket) the null device, which cannot be opened
 *    since bind mounts are mounted without device access. Paths that do not exist are skipped.
 * 3. every namespace unshared (network too unless `sandbox.network`), and the sandbox killed when
 *    its parent dies. No `--new-session`: shell_run starts bwrap as the leader of a new session
 *    with no terminal (so no TIOCSTI), and keeping every process of the sandbox in that process
 *    group lets a timeout, and a resume after a crash, kill them all by group.
 *
 * With its own pid namespace, every process the command started is killed when it exits.
 * `alwaysHidden` is hidden as well (default: the control sockets, see controlSockets).
 */
export const sandboxArgs = async (sandbox: ShellSandbox, cwd: string, alwaysHidden: readonly string[] = controlSockets()): Promise<string[]> => {
  const writable = await existing(sandbox.writable);
  const hidden = await existing([...sandbox.hidden, ...alwaysHidden]);
  const mounts: Mount[] = [
    ...writable.filter(({ directory }) => directory).map(({ path }): Mount => ({ path, kind: "writable" })),
    ...hidden.map(({ path, directory }): Mount => ({ path, kind: directory ? "hidden-dir" : "hidden-file" })),
  ];
  // Stable: on equal depth writable mounts stay before hidden ones, so hidden wins on the same path.
  mounts.sort((a, b) => depth(a.path) - depth(b.path));
  return [
    ...["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"],
    ...mounts.flatMap(mountArgs),
    // Read-only only now: the mounts above may have needed mount points created inside them.
    ...mounts.filter(({ kind }) => kind === "hidden-dir").flatMap(({ path }) => ["--remount-ro", path]),
    "--unshare-all",
    ...["--setenv", "TMPDIR", "/tmp"],
    ...(sandbox.network ? ["--share-net"] : []),
    ...["--die-with-parent", "--chdir", cwd],
  ];
};

const mountArgs = ({ path, kind }: Mount): string[] => {
  switch (kind) {
    case "writable":
      return ["--bind", path, path];
    case "hidden-dir":
      return ["--tmpfs", path];
    case "hidden-file":
      return ["--ro-bind", "/dev/null", path];
  }
};

const depth = (path: string): number => path.split(sep).filter(Boolean).length;

/**
 * The real paths of those of `paths` that exist, each once. A path this process cannot reach
 * (ENOENT, ENOTDIR, EACCES) is left out: the sandboxed command, with no more rights, cannot reach it either.
 */
const existing = async (paths: readonly string[]): Promise<{ path: string; directory: boolean }[]> => {
  const found = new Map<string, boolean>();
  for (const path of paths) {
    try {
      const real = await realpath(resolve(path));
      found.set(real, (await stat(real)).isDirectory());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "EACCES") throw error;
    }
  }
  return [...found].map(([path, directory]) => ({ path, directory }));
};
