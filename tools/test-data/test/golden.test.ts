import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGoldenCase } from '@saekit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeGoldenFiles,
  goldenSourceForTests,
  IN_REPO_GOLDEN_DIR,
  isFloat32,
  joinGoldenDoc,
  listGoldenNames,
  loadGoldenCases,
  readGoldenDoc,
  resolveGoldenDir,
  splitGoldenDoc,
} from '../src/index.js';
import { goldenDiff, writeGoldenCopy } from '../src/refresh-files.js';

/** A document with every list of numbers flattened and rounded to float32, for comparing forms. */
function asFloat32Lists(x: unknown): unknown {
  if (ArrayBuffer.isView(x)) return Array.from(x as Float32Array);
  if (Array.isArray(x))
    return x.flat(Number.POSITIVE_INFINITY).map((v) => (typeof v === 'number' ? Math.fround(v) : v));
  if (x && typeof x === 'object')
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, asFloat32Lists(v)]));
  return x;
}

const tmp = mkdtempSync(join(tmpdir(), 'saekit-test-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the compact form', () => {
  it('takes a value as float32 when it is one, or is the shortest decimal of one', () => {
    expect(isFloat32(Math.fround(0.3))).toBe(true);
    expect(isFloat32(0.24681601)).toBe(true);
    expect(isFloat32(0.3)).toBe(true);
    expect(isFloat32(0.30000001192092896)).toBe(true);
    expect(isFloat32(0.2468160123456789)).toBe(false);
    expect(isFloat32(0.3009758487195935)).toBe(false);
    expect(isFloat32(1e40)).toBe(false);
  });

  it('moves float32 tensors to safetensors and keeps the rest, exactly, as JSON', () => {
    const doc = {
      name: 'x',
      config: { widths: [4, 10] },
      params: {
        W: [
          [0.5, Math.fround(0.1)],
          [-2, 0],
        ],
        b: [0.25],
      },
      inputs: { dead: [true, false], theta: 0.2 },
      expect: { lossPerStep: [0.3009758487195935, 0.25], nested: { h: [1.5, 2.5, 3.5] } },
    };
    const { json, tensors } = splitGoldenDoc(doc);
    expect(Object.keys(tensors).sort()).toEqual(['expect.nested.h', 'params.W', 'params.b']);
    expect(tensors['params.W'].shape).toEqual([2, 2]);
    expect(Array.from(tensors['params.W'].data)).toEqual([0.5, Math.fround(0.1), -2, 0]);
    expect(json).toEqual({
      name: 'x',
      config: { widths: [4, 10] },
      params: {},
      inputs: { dead: [true, false], theta: 0.2 },
      expect: { lossPerStep: [0.3009758487195935, 0.25], nested: {} },
    });
    const back = joinGoldenDoc(json, tensors);
    expect(back.params).toEqual({ W: Float32Array.of(0.5, 0.1, -2, 0), b: Float32Array.of(0.25) });
    expect((back.expect as { nested: unknown }).nested).toEqual({ h: Float32Array.of(1.5, 2.5, 3.5) });
  });

  it('writes the same bytes for the same case', () => {
    const doc = { name: 'y', batch: [[1, 2, 3]], expect: { loss: { total: 0.1 } } };
    const a = encodeGoldenFiles(doc);
    const b = encodeGoldenFiles(structuredClone(doc));
    expect(a.json).toBe(b.json);
    expect(Buffer.compare(a.safetensors!, b.safetensors!)).toBe(0);
    expect(a.json).toBe(
      '{\n  "name": "y",\n  "expect": {\n    "loss": {\n      "total": 0.1\n    }\n  }\n}\n',
    );
  });
});

describe('a refresh', () => {
  it('writes each case in the compact form, the README as SOURCE.md, and removes what the source lost', () => {
    const from = join(tmp, 'source');
    const to = join(tmp, 'copy');
    mkdirSync(join(from, 'sub'), { recursive: true });
    writeFileSync(join(from, 'README.md'), 'how it was computed');
    writeFileSync(join(from, 'a.json'), JSON.stringify({ name: 'a', batch: [[0.5, 1]], flags: [true] }));
    writeFileSync(join(from, 'sub', 'b.json'), JSON.stringify({ name: 'b', expect: { loss: 0.1 } }));
    mkdirSync(to);
    writeFileSync(join(to, 'README.md'), 'our own');
    writeFileSync(join(to, 'gone.safetensors'), 'stale');
    expect(goldenDiff(from, to)).toEqual([
      'missing SOURCE.md',
      'missing a.json',
      'missing a.safetensors',
      'missing sub/b.json',
      'stale gone.safetensors',
    ]);
    expect(writeGoldenCopy(from, to)).toBe(4);
    expect(readdirSync(to).sort()).toEqual(['README.md', 'SOURCE.md', 'a.json', 'a.safetensors', 'sub']);
    expect(readFileSync(join(to, 'README.md'), 'utf8')).toBe('our own');
    expect(existsSync(join(to, 'sub', 'b.safetensors'))).toBe(false);
    expect(readGoldenDoc(to, 'a')).toEqual({ name: 'a', batch: Float32Array.of(0.5, 1), flags: [true] });
    expect(goldenDiff(from, to)).toEqual([]);
    writeFileSync(join(from, 'a.json'), JSON.stringify({ name: 'a', batch: [[0.5, 2]], flags: [true] }));
    expect(goldenDiff(from, to)).toEqual(['differs a.safetensors']);
  });
});

describe('the golden cases kept in the repo', () => {
  it('are read by default, and $SAEKIT_GOLDEN_DIR or an explicit directory replace them', () => {
    expect(resolveGoldenDir(undefined, {})).toEqual({ dir: IN_REPO_GOLDEN_DIR, tried: [IN_REPO_GOLDEN_DIR] });
    expect(resolveGoldenDir(undefined, { SAEKIT_GOLDEN_DIR: tmp })).toEqual({ dir: tmp, tried: [tmp] });
    expect(resolveGoldenDir('/no/such/dir', { SAEKIT_GOLDEN_DIR: tmp })).toEqual({
      dir: undefined,
      tried: ['/no/such/dir'],
    });
  });

  it('hold the seed and small cases, parsed with their shapes', () => {
    const cases = loadGoldenCases(IN_REPO_GOLDEN_DIR);
    expect(cases.map((c) => c.name)).toEqual(['seed-784x64-b32', 'small-13x5-b7']);
    const small = cases[1].golden;
    expect([small.config.inputDim, small.config.hiddenDim, small.batchSize]).toEqual([13, 5, 7]);
    expect(small.params.W_enc.length).toBe(65);
    expect(small.expect.lossPerStep).toEqual([0.3009758487195935, 0.29785640860695695, 0.2948179454971877]);
    expect(small.expect.grads.W_dec.length).toBe(65);
    expect(cases[0].golden.batch.length).toBe(32 * 784);
    expect(listGoldenNames(join(IN_REPO_GOLDEN_DIR, 'modern'))).toHaveLength(12);
  });

  const source = goldenSourceForTests(['test-data: the golden copy matches ../shared/golden']);
  it.skipIf(!source)('match ../shared/golden: every file, byte for byte as a refresh writes them', () => {
    expect(goldenDiff(source!, IN_REPO_GOLDEN_DIR)).toEqual([]);
    for (const dir of ['', 'modern']) {
      for (const name of listGoldenNames(join(source!, dir))) {
        if (name.startsWith('seed')) continue;
        const want = JSON.parse(readFileSync(join(source!, dir, `${name}.json`), 'utf8'));
        const have = readGoldenDoc(join(IN_REPO_GOLDEN_DIR, dir), name);
        expect(asFloat32Lists(have), `${dir}/${name}`).toEqual(asFloat32Lists(want));
      }
    }
    const seed = parseGoldenCase(JSON.parse(readFileSync(join(source!, 'seed-784x64-b32.json'), 'utf8')));
    expect(loadGoldenCases(IN_REPO_GOLDEN_DIR)[0].golden).toEqual(seed);
  });
});
