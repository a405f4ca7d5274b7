/**
 * A throwaway Postgres cluster for the tests: `initdb` in a temporary directory, the server on a
 * unix socket only (no TCP port), stopped and removed after. Debian's `postgresql` package provides
 * the binaries (.ci/run installs it). Postgres refuses to run as root, so under root the server
 * runs as the `postgres` user.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export interface Cluster {
  /** A URL for the cluster's `postgres` database over its socket. */
  url: string;
  stop(): void;
}

/** The newest installed server's bin directory, or undefined when there is none. */
export function postgresBin(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((name) => existsSync(join(base, name, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], "bin");
}

/**
 * Whether the Postgres tests run: when the binaries are here, or when CI says they must be
 * (`ESCAPEMENT_EXPECT_POSTGRES=1`, then a missing server fails the tests instead of skipping them).
 */
export const postgresAvailable = (): boolean => postgresBin() !== undefined || process.env["ESCAPEMENT_EXPECT_POSTGRES"] === "1";

export interface ClusterOptions {
  /**
   * Whether the server flushes its log to the device at each commit (Postgres' default). Off by
   * default: a test's cluster is thrown away, and a commit that reached the OS is all it needs.
   */
  fsync?: boolean;
}

export function startCluster(options: ClusterOptions = {}): Cluster {
  const bin = postgresBin();
  if (!bin) throw new Error("no Postgres server installed (/usr/lib/postgresql/<version>/bin/initdb): install Debian's postgresql package");
  const dir = mkdtempSync(join(tmpdir(), "escapement-pg-"));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { uid, gid } = { uid: Number(execFileSync("id", ["-u", "postgres"]).toString()), gid: Number(execFileSync("id", ["-g", "postgres"]).toString()) };
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) =>
    execFileSync(asRoot ? "runuser" : join(bin, tool), asRoot ? ["-u", "postgres", "--", join(bin, tool), ...args] : args, { stdio: "pipe" });
  const data = join(dir, "data");
  const port = 20_000 + Math.floor(Math.random() * 30_000);
  run("initdb", ["-D", data, "-A", "trust", "-U", "escapement", "--no-sync", "-E", "UTF8"]);
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    join(dir, "server.log"),
    "-w",
    "-o",
    `-k ${dir} -c listen_addresses='' -p ${port} -c fsync=${options.fsync ? "on" : "off"}`,
    "start",
  ]);
  return {
    url: `postgresql://escapement@/postgres?host=${encodeURIComponent(dir)}&port=${port}`,
    stop: () => {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
