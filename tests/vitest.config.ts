import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: "tests",
    include: ["**/*.test.ts"],
    testTimeout: 60_000,
    fileParallelism: false,
  },
});
