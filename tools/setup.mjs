#!/usr/bin/env node
// Fresh-machine set-up: needs only Node.js and npm. Installs pnpm if missing (corepack's download
// fails its signature check on some machines, so we use npm), then the workspace's dependencies.
// onnxruntime-node's install script (a CUDA download) never runs: pnpm runs no dependency build
// scripts unless allowed, and ONNXRUNTIME_NODE_INSTALL=skip covers any other client.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
