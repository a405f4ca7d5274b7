import { defineConfig } from "vitest/config";
import { sourceExecArgv, sourceResolve } from "../vitest.shared.js";

// Modules outside Vite resolve with these conditions too (vitest passes them to Node): without
// `module`, which @opentelemetry/api maps to a build Node's ESM loader refuses (extensionless imports),
// a package loads the build Node itself picks outside the tests.
const ssrConditions = sourceResolve.ssr.resolve.conditions.filter((condition) => condition !== "module");

export default defineConfig({
  ...sourceResolve,
  ssr: { resolve: { ...sourceResolve.ssr.resolve, conditions: ssrConditions } },
  test: {
    execArgv: sourceExecArgv,
    include: ["test/**/*.test.ts"],
    // Type tests (*.test-d.ts): what the types infer, pinned, reported as tests.
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    testTimeout: 20_000,
    globalSetup: ["../vitest.temp-dir.ts"],
  },
});
