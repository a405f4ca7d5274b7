import { defineConfig } from "vitest/config";
import { sourceExecArgv, sourceResolve } from "../vitest.shared.js";

export default defineConfig({
  ...sourceResolve,
  test: {
    execArgv: sourceExecArgv,
    root: "tests",
    include: ["**/*.test.ts"],
    testTimeout: 60_000,
    globalSetup: ["../vitest.temp-dir.ts"],
    fileParallelism: false,
  },
});
