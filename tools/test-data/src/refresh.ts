#!/usr/bin/env node
// Refreshes the golden cases kept in the repo from their source (../shared/golden):
//   pnpm golden:refresh [--from DIR] [--check]
// --check writes nothing and exits 1 when the copy differs from what a refresh would write.
import { join } from 'node:path';
import { goldenDiff, writeGoldenCopy } from './refresh-files.js';
import { IN_REPO_GOLDEN_DIR, sharedDir } from './root.js';

function main(argv: string[]): number {
  const i = argv.indexOf('--from');
  const from = i >= 0 ? argv[i + 1] : join(sharedDir() ?? '.', 'golden');
  const to = IN_REPO_GOLDEN_DIR;
  if (argv.includes('--check')) {
    const diffs = goldenDiff(from, to);
    for (const d of diffs) console.log(d);
    console.log(diffs.length ? `${diffs.length} differences from ${from}` : `${to} matches ${from}`);
    return diffs.length ? 1 : 0;
  }
  console.log(`wrote ${writeGoldenCopy(from, to)} files to ${to} from ${from}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
