/**
 * The permission-check section of `npm run bench:runner`: what the policy costs one fs tool call
 * with 100 rules. Two figures side by side: the pure decision (`policy.decide`, what every call
 * pays) and the decision plus resolving the path to its real path (`realpath` of a file that
 * exists, as the fs tools do before asking), against `realpath` alone. Target: p99 of the
 * decision <= 50 µs.
 */
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy, type PermissionRules, type PermissionTarget } from "../../core/src/permissions/index.js";
import { ratio, table, verdict } from "./table.js";

const TARGET_P99_US = 50;
const RULES = 100;

const us = (value: number): string => `${value.toFixed(2)} µs`;

const percentile = (values: Float64Array, p: number): number => {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** 100 rules over the fs tools, shell and web_fetch: globs, literals, absolute and relative. */
const hundredRules = (): PermissionRules => {
  const fsWrite: Record<string, "allow" | "ask" | "deny"> = { "**": "allow" };
  const fsRead: Record<string, "allow" | "ask" | "deny"> = {};
  for (let i = 0; i < 40; i++) fsWrite[`packages/p${i}/src/**/*.ts`] = i % 3 === 0 ? "ask" : "allow";
  for (let i = 0; i < 20; i++) fsWrite[`secrets/s${i}/**`] = "deny";
  for (let i = 0; i < 19; i++) fsRead[`/usr/share/d${i}/**`] = "allow";
  const shell: Record<string, "allow" | "ask" | "deny"> = {};
  for (let i = 0; i < 10; i++) shell[`npm run task${i}`] = "allow";
  const web: Record<string, "allow" | "ask" | "deny"> = {};
  for (let i = 0; i < 10; i++) web[`*.host${i}.example`] = "allow";
  return { fs_write: fsWrite, fs_read: fsRead, shell_run: shell, web_fetch: web };
};

export async function permissionCheckSection(calls: number, root: string): Promise<void> {
  const work = join(root, "permission-work");
  mkdirSync(join(work, "packages/p7/src/deep"), { recursive: true });
  const files = [join(work, "packages/p7/src/deep/a.ts"), join(work, "README.md"), join(work, "notes.txt")];
  for (const file of files) writeFileSync(file, "x");
  const rules = hundredRules();
  const count = Object.values(rules).reduce((sum, value) => sum + (typeof value === "string" ? 1 : Object.keys(value).length), 0);
  if (count !== RULES) throw new Error(`expected ${RULES} rules, built ${count}`);
  const policy = compilePolicy({ workRoot: realpathSync(work), layers: [{ source: "bench", rules }], protectedPaths: [join(work, ".escapement")] });
  const targets: PermissionTarget[] = [
    ...files.map((path): PermissionTarget => ({ kind: "path", path: realpathSync(path), access: "write" })),
    { kind: "path", path: "/etc/passwd", access: "write" },
    { kind: "path", path: join(realpathSync(work), "secrets/s12/key.pem"), access: "write" },
  ];

  const decide = new Float64Array(calls);
  const resolveOnly = new Float64Array(calls);
  const resolveAndDecide = new Float64Array(calls);
  let sink = 0;
  for (let i = -2000; i < calls; i++) {
    const target = targets[(i + 2000) % targets.length]!;
    const file = files[(i + 2000) % files.length]!;
    let start = performance.now();
    sink += policy.decide("fs_write", target).decision.length;
    const decided = performance.now() - start;
    start = performance.now();
    sink += realpathSync.native(file).length;
    const resolved = performance.now() - start;
    start = performance.now();
    sink += policy.decide("fs_write", { kind: "path", path: realpathSync.native(file), access: "write" }).decision.length;
    const both = performance.now() - start;
    if (i < 0) continue;
    decide[i] = decided * 1000;
    resolveOnly[i] = resolved * 1000;
    resolveAndDecide[i] = both * 1000;
  }
  if (sink === 0) throw new Error("unreachable");

  const p99 = percentile(decide, 99);
  console.log(`Permission check per fs tool call, ${RULES} rules, ${calls.toLocaleString("en-US")} calls each (after 2,000 warm-up calls)`);
  console.log(
    table(
      ["check", "median", "p99", "target p99", "result"],
      [
        ["policy.decide (pure)", us(percentile(decide, 50)), us(p99), `<= ${TARGET_P99_US} µs`, verdict(p99 <= TARGET_P99_US)],
        ["realpath alone", us(percentile(resolveOnly, 50)), us(percentile(resolveOnly, 99)), "", ""],
        ["realpath + decide", us(percentile(resolveAndDecide, 50)), us(percentile(resolveAndDecide, 99)), "", ""],
        [
          "(realpath + decide) / realpath",
          ratio(percentile(resolveAndDecide, 50) / percentile(resolveOnly, 50)),
          ratio(percentile(resolveAndDecide, 99) / percentile(resolveOnly, 99)),
          "",
          "",
        ],
      ],
      ["l", "r", "r", "r", "l"],
    ),
  );
  console.log();
}
