#!/usr/bin/env node
// Fresh-machine set-up: needs only Node.js and npm. Installs pnpm if missing (corepack's download
// fails its signature check on some machines, so we use npm), then the workspace's dependencies.
// onnxruntime-node's install script (a CUDA download) never runs: pnpm runs no dependency build
// scripts unless allowed, and ONNXRUNTIME_NODE_INSTALL=skip covers any other client.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const wanted = pkg.packageManager.split('@')[1];
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' };
const sh = (cmd) => execSync(cmd, { stdio: 'inherit', cwd: root, env });

let have = '';
try {
  have = execSync('pnpm --version', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {}
if (have !== wanted) {
  console.log(`setup: installing pnpm@${wanted} with npm (found ${have || 'none'})`);
  sh(`npm install -g pnpm@${wanted}`);
}
sh(process.env.CI ? 'pnpm install --frozen-lockfile' : 'pnpm install');

// The browser tests (apps/web) drive Debian's Chromium; playwright-core downloads no browser. CI
// (root on a fresh Debian machine) installs it with apt-get; elsewhere a missing Chromium is said
// here, and its tests are skipped and named in `npm test`'s last line (an error under
// SAEKIT_REQUIRE_DATA=1, as on CI).
const chromium = process.env.SAEKIT_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const mustHave = Boolean(process.env.CI) || process.env.SAEKIT_REQUIRE_DATA === '1';
  const isRoot = process.getuid?.() === 0;
  if (mustHave && isRoot && existsSync('/usr/bin/apt-get')) {
    console.log('setup: installing chromium with apt-get (for the browser tests)');
    sh('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium');
  } else {
    console.log(
      `setup: no Chromium at ${chromium}: the browser tests will be skipped` +
        ' (apt-get install chromium, or set SAEKIT_CHROMIUM to its executable)',
    );
  }
}
