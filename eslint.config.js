// Lint for every package: typescript-eslint's recommended rules, and the type-aware rules that
// catch what a compile does not (a promise nobody awaits, an assertion the types already make).
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    // The typed fixture is checked where it runs: in a project that installed the packages.
    ignores: [
      "**/node_modules/",
      "**/dist/",
      "**/*.d.ts",
      "wire-schema/src/generated/",
      "tests/node24/",
      "tests/install/fixtures/typed/",
      "tmp/",
      ".escapement/",
    ],
  },
  tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx", "**/*.mts"],
    languageOptions: {
      parserOptions: {
        // The vitest configs belong to no tsconfig project; they are checked on their own.
        projectService: {
          allowDefaultProject: ["core/vitest.config.ts", "wire-schema/vitest.config.ts", "vitest.shared.ts", "vitest.temp-dir.ts", "core/schema/generate.ts"],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `any` is the escape hatch at xstate's generic boundaries (an action or a param that fits
      // every chart's context and events), as in xstate's own types; the rules below guard what
      // the compiler cannot.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: false }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // xstate's setup({ types: { context: {} as T } }) declares types by assertion, which this rule
    // misreads as unnecessary (the assertion is what the generic is inferred from). Charts live in
    // examples and tests; the library's own sources keep the rule.
    files: ["examples/**", "**/test/**", "tests/**", "bench/**"],
    rules: { "@typescript-eslint/no-unnecessary-type-assertion": "off" },
  },
);
