#!/usr/bin/env node
// `pnpm fetch-data`: downloads MNIST and Fashion-MNIST (sha256-checked) into the cache the tests
// look in ($SAEKIT_CACHE_DIR or ~/.cache/saekit). Needs `pnpm build` first. @saekit/datasets is
// loaded by path: as a dependency of this package it would form a cycle (datasets' tests use it).
const datasets = await import(new URL('../../../packages/datasets/dist/index.js', import.meta.url).href);
for (const name of ['mnist', 'fashion-mnist']) {
  const { train, test } = await datasets.loadMnist({ name });
  console.log(`${name}: ${train.n} train and ${test.n} test images in the cache`);
}
