import { defineConfig } from "vitest/config";
import { sourceExecArgv, sourceResolve } from "../vitest.shared.js";

export default defineConfig({
  ...sourceResolve,
  test: {
    execArgv: sourceExecArgv,
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
  },
});
