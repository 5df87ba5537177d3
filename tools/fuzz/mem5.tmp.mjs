import { generate, TARGETS } from './dist/run.js';

const t = TARGETS.find((x) => x.name === 'idx');
const seeds = t.seeds();
const w = process.argv[2];
for (let r = 0; r < 3; r++) {
  for (let i = r * 6000; i < (r + 1) * 6000; i++) {
    const b = generate(t, seeds, 1, i);
    if (w.includes('read')) {
      try {
        await t.read(b);
      } catch {}
    }
    if (w.includes('ref')) t.reference(b);
  }
  globalThis.gc();
  console.log(w, r, Math.round(process.memoryUsage().arrayBuffers / 2 ** 20));
}
