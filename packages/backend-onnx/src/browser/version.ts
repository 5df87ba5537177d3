// In place of ../version.ts (which reads package.json with Node's require) in a browser build;
// test/browser-version.test.ts keeps the two equal.
export const PACKAGE_VERSION = '0.1.0';
