// Where the tests' data is, in one place: the PyTorch golden cases (kept in the repo, refreshed
// from ../shared/golden) and MNIST / Fashion-MNIST (../shared, $SAEKIT_DATA_DIR or the cache).

export { CHROMIUM_PATHS, chromiumForTests } from './chromium.js';
export { IDX_FILES, resolveDataDir, type TestDataset } from './data-dir.js';
export { resolveGoldenDir } from './golden-dir.js';
export { encodeGoldenFiles, listGoldenNames, loadGoldenCases, readGoldenDoc } from './golden-files.js';
export { isFloat32, joinGoldenDoc, type SplitGolden, splitGoldenDoc } from './golden-form.js';
export { findRepoRoot, IN_REPO_GOLDEN_DIR, sharedDir } from './root.js';
export { dataForTests, goldenSourceForTests, noteSkip, skipLogPath } from './skips.js';
export { TRACE_IMPORTS } from './trace.js';
