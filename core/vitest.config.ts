import { defineConfig } from "vitest/config";
import { sourceExecArgv, sourceResolve } from "../vitest.shared.js";

export default defineConfig({
  ...sourceResolve,
  test: {
    execArgv: sourceExecArgv,
    include: ["test/**/*.test.ts"],
    // Type tests (*.test-d.ts): what the types infer, pinned, reported as tests.
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    testTimeout: 20_000,
  },
});
