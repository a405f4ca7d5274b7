/** A node process a test starts (a worker, a program on the built core), its output kept as it comes. */
import { spawn, type ChildProcess } from "node:child_process";

export interface NodeProcess {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

export function startNode(args: string[], cwd: string): NodeProcess {
  const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk) => (out += chunk));
  child.stderr!.on("data", (chunk) => (err += chunk));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { child, out: () => out, err: () => err, exited };
}
