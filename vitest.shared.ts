// Settings every package's vitest.config.ts shares.
//
// A timeout here catches a test that hangs, never a slow machine: `npm test` runs the packages'
// tests one package at a time, but CI's two cores are shared, and a test that takes a second on a
// quiet machine has taken many times that under load. So every bound is far above any test's work;
// speed is measured by `pnpm bench`, not by tests.
export const TIMEOUTS = { testTimeout: 300_000, hookTimeout: 300_000 } as const;

export const TEST_FILES = ['test/**/*.test.ts'];
