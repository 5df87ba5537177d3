import { createRequire } from 'node:module';

/** This package's version (from package.json; src/ and dist/ both sit one level below it). */
export const PACKAGE_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;
