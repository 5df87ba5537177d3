import { defineConfig } from 'vitest/config';
import { TEST_FILES, TIMEOUTS } from '../../vitest.shared.js';

export default defineConfig({ test: { include: TEST_FILES, ...TIMEOUTS } });
