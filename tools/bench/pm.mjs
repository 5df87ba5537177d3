import { createCpuBackend } from '@saekit/backend-cpu';
import { add, Graph, greater, input, mul, relu } from '@saekit/core';
const [B, H] = [1024, 16384];
const pre = input('pre', [B, H]), bias = input('b', [H]), rr = input('r', [B, 1]), th = input('th', [H]);
const f = { pre: new Float32Array(B * H).map(() => Math.random() - 0.5), b: new Float32Array(H), r: new Float32Array(B).fill(1), th: new Float32Array(H).fill(0.001) };
for (const [nm, out] of [['relu(pre+b)*mask', mul(relu(add(pre, bias)), greater(rr, 0))], ['pre*(pre>th)', mul(pre, greater(pre, th))], ['relu(pre)', relu(pre)]]) {
  const exe = createCpuBackend({ threads: 2 }).compileSync(Graph.from({ outputs: { o: out } }));
  const names = { 'relu(pre+b)*mask': ['pre', 'b', 'r'], 'pre*(pre>th)': ['pre', 'th'], 'relu(pre)': ['pre'] }[nm];
  const ff = Object.fromEntries(names.map((k) => [k, f[k]]));
  for (let i = 0; i < 3; i++) exe.runSync(ff);
  console.log(nm, exe.profileSync(ff, 3).map((r) => r.ms.toFixed(1)).join(' '));
  exe.dispose();
}
