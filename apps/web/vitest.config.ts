import { defineConfig } from 'vitest/config';
import { TEST_FILES, TIMEOUTS } from '../../vitest.shared.js';

// One browser test file at a time: each starts Chromium, and CI has two cores.
export default defineConfig({ test: { include: TEST_FILES, ...TIMEOUTS, fileParallelism: false } });
