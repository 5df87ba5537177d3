import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackend } from '@saekit/backends';
import { forwardDataset } from '@saekit/core';
import { loadCheckpoint } from '@saekit/core/node';
import { npyHeaderBytes, syntheticSparse } from '@saekit/datasets';
import { chromiumForTests } from '@saekit/test-data';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAIN, saekit } from './run.js';

const N = 300; // rows of the inputs.npy put beside the run
let run: string;
let x: Float32Array;

beforeAll(async () => {
  run = join(await mkdtemp(join(tmpdir(), 'saekit-web-')), 'run');
  const t = saekit(
    'train',
    ...['--arch', 'topk', '--k', '3', '--hidden', '16', '--epochs', '1', '--limit', '1000'],
    ...['--seed', '6', '--quiet', '--no-report', '--out', run],
  );
  expect(t.code, t.stderr).toBe(0);
  // Inputs that are not the run's own test split, so the page can only have them from the file.
  x = syntheticSparse({ seed: 11, nTrain: 0, nTest: N }).test.x;
  const head = npyHeaderBytes('f32', N, 64);
  await writeFile(join(run, 'inputs.npy'), Buffer.concat([head, new Uint8Array(x.buffer)]));
  const r = saekit('report', run, '--web');
  expect(r.code, r.stderr).toBe(0);
});

describe('saekit report --web', () => {
  it('copies the page and a manifest of the run into RUN/web/ and links it from index.html', async () => {
    const r = saekit('report', run, '--web');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toContain(join(run, 'web', 'index.html'));
    expect(r.stderr).toContain(`saekit serve ${run}`);
    expect(existsSync(join(run, 'web', 'index.html'))).toBe(true);
    expect(existsSync(join(run, 'web', 'harness.html'))).toBe(false); // the tests' page stays out
    expect(existsSync(join(run, 'web', 'ort-builds.html'))).toBe(false);
    const manifest = JSON.parse(await readFile(join(run, 'web', 'run-manifest.json'), 'utf8'));
    expect(manifest.run).toBe('../');
    expect(manifest.inputs).toBe('inputs.npy');
    const weights = manifest.files.find((f: { name: string }) => f.name === 'sae_weights.safetensors');
    expect(weights?.bytes).toBe((await stat(join(run, 'sae_weights.safetensors'))).size);
    const names = manifest.files.map((f: { name: string }) => f.name);
    expect(names).toEqual(expect.arrayContaining(['cfg.json', 'run.json', 'index.html', 'loss.png']));
    expect(names).not.toContain('web');
    const html = await readFile(join(run, 'index.html'), 'utf8');
    expect(html).toContain('<a id="web-page" href="web/index.html">');
    // Without --web the report does not link a page.
    const plain = saekit('report', run);
    expect(plain.code, plain.stderr).toBe(0);
    expect(await readFile(join(run, 'index.html'), 'utf8')).not.toContain('web-page');
    expect(saekit('report', run, '--web').code).toBe(0);
  });

  it("train --overwrite replaces a run that has a page (web/ is the run's own)", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'saekit-web-')), 'run');
    await cp(run, dir, { recursive: true });
    await rm(join(dir, 'inputs.npy')); // the user's file: --overwrite rightly refuses to remove it
    const t = saekit(
      'train',
      '--hidden',
      '8',
      '--epochs',
      '1',
      '--limit',
      '500',
      '--quiet',
      '--no-report',
      '--out',
      dir,
      '--overwrite',
    );
    expect(t.code, t.stderr).toBe(0);
    expect(existsSync(join(dir, 'web'))).toBe(false);
  });

  it('saekit serve refuses a run with no page and a bad port, naming what is wrong', async () => {
    const bare = await mkdtemp(join(tmpdir(), 'saekit-web-'));
    const r = saekit('serve', bare, '--port', '0');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no page here; write it with \`saekit report ${bare} --web\``);
    const p = saekit('serve', run, '--port', 'eighty');
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('--port eighty: must be an integer');
  });
});

const exe = chromiumForTests(['cli: saekit serve shows the page on its run (Chromium)']);

describe.skipIf(!exe)('saekit serve, in Chromium', () => {
  it("opens the run's page, cross-origin isolated, with the inputs.npy beside it, as Node computes", async () => {
    const child = spawn(process.execPath, [MAIN, 'serve', run, '--port', '0'], { stdio: 'pipe' });
    const browser = await chromium.launch({ executablePath: exe!, headless: true, args: ['--no-sandbox'] });
    try {
      const url = await new Promise<string>((ok, no) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b;
          const m = /at (http:\/\/\S+) /.exec(out);
          if (m) ok(m[1]);
        });
        child.once('exit', (code) => no(new Error(`saekit serve exited ${code}`)));
      });
      const page = await browser.newPage();
      page.setDefaultTimeout(240_000);
      await page.goto(url);
      await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
      const status = (await page.textContent('#status')) ?? '';
      expect(status).toContain(`64 → 16 topk k=3; ${N} inputs from inputs.npy`);
      expect(await page.evaluate('crossOriginIsolated')).toBe(true);
      const { config, params } = await loadCheckpoint(run);
      const { hidden } = await forwardDataset(await loadBackend('cpu'), config, params, x, N, ['hidden']);
      const density = Array.from({ length: 16 }, (_, j) => {
        let on = 0;
        for (let i = 0; i < N; i++) if (hidden[i * 16 + j] > 0) on++;
        return on / N;
      });
      const cards = await page.locator('figure.latent').all();
      const got = await Promise.all(cards.map(async (c) => Number(await c.getAttribute('data-density'))));
      expect(got.length).toBe(16);
      for (let j = 0; j < 16; j++)
        expect(Math.abs(got[j] - density[j]), `latent ${j}`).toBeLessThanOrEqual(1 / N);
      const active = JSON.parse((await page.getAttribute('#inspect', 'data-active')) ?? '[]') as [
        number,
        number,
      ][];
      const want = [...hidden.subarray(0, 16)].map((v, j) => [j, v]).filter(([, v]) => v > 0);
      expect(active.map(([j]) => j).sort((a, b) => a - b)).toEqual(want.map(([j]) => j));
    } finally {
      await browser.close();
      child.kill('SIGTERM');
    }
  });
});
