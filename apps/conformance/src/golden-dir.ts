// Where test data is (the golden cases among it) is decided in one place, @saekit/test-data.
export { findRepoRoot, resolveGoldenDir } from '@saekit/test-data';
