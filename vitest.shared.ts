/**
 * What every vitest config of the workspace shares: tests run on the packages' TypeScript sources,
 * picked by the `escapement-source` export condition of each package.json (published builds
 * resolve `types` / `default`, which point into dist/). The rest is Vite's default server list.
 */
const conditions = ["escapement-source", "module", "node", "development|production"];

export const sourceResolve = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["escapement-source"] } },
};

/**
 * The same condition for Node's own resolution inside the test processes: modules that Vite does
 * not load (a pool's worker threads, charts loaded through tsx) resolve the sources too.
 */
export const sourceExecArgv = ["--conditions=escapement-source"];
