import { defineConfig } from 'vitest/config';

// The lazy-loading tests start Node processes that load ONNX Runtime: seconds on a busy machine.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
