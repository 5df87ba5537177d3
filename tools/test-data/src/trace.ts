import { fileURLToPath } from 'node:url';

/**
 * Module hooks for `node --import`: append every resolved URL to $TRACE_FILE (to see which
 * packages a process loads). This package's `trace/`; src/ and dist/ are one level down.
 */
export const TRACE_IMPORTS: string = fileURLToPath(new URL('../trace/trace-imports.mjs', import.meta.url));
