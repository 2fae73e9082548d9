// The test runner's settings: `npx vitest run` (what `make test` runs after the type check) or
// `npx vitest` (watch mode while developing). See README "Testing".
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Each test file in its own child process, at most two at a time: Dawn's create() runs once per
    // process, and its addon is not trusted in worker threads; the machines this runs on have 2 cores.
    pool: "forks",
    maxWorkers: 2,
    isolate: true,
    // Node imports the sources itself (type stripping, as `node cli/main.ts` does): no Vite transform,
    // so import.meta.dirname, createRequire and native addons behave as they do outside the tests.
    experimental: { viteModuleRunner: false, nodeLoader: false },
    // Kernel tests take minutes on llvmpipe: no per-test or per-hook time limit.
    testTimeout: 0,
    hookTimeout: 0,
    // One line per test, skip reasons ([...]) and annotations included.
    reporters: ["verbose"],
    // A missing or changed codegen snapshot fails; `npx vitest run -u` rewrites them.
    update: "none",
  },
});
