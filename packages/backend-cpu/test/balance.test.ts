import { describe, expect, it } from 'vitest';
import { ShareBalancer } from '../src/parallel/balance.js';

/** Runs the balancer `runs` times on threads whose time per unit is `cost[t]` ms. */
function settle(b: ShareBalancer, cost: number[], runs: number): void {
  const ms = new Float64Array(b.threads);
  for (let r = 0; r < runs; r++) {
    for (let t = 0; t < b.threads; t++) ms[t] = (b.bounds[t + 1] - b.bounds[t]) * cost[t];
    b.update(ms);
  }
}

describe('ShareBalancer', () => {
  it('starts from equal shares on the tile and keeps them when the threads are equally fast', () => {
    const b = new ShareBalancer(256, 2, 3);
    expect([...b.bounds]).toEqual([0, 129, 256]);
    settle(b, [1, 1], 50);
    expect(Math.abs(b.bounds[1] - 128)).toBeLessThanOrEqual(3);
    expect(b.bounds[1] % 3).toBe(0);
  });

  it('moves work toward a faster thread until the times are equal', () => {
    const b = new ShareBalancer(784, 2, 1);
    settle(b, [2, 1], 200); // the calling thread takes twice as long per unit
    expect(b.bounds[1]).toBeGreaterThanOrEqual(259);
    expect(b.bounds[1]).toBeLessThanOrEqual(264); // 784 / 3 = 261.3
    const three = new ShareBalancer(900, 3, 3);
    settle(three, [1, 1, 2], 300);
    const shares = [0, 1, 2].map((t) => three.bounds[t + 1] - three.bounds[t]);
    expect(shares.reduce((a, s) => a + s, 0)).toBe(900);
    expect(Math.abs(shares[0] - 360)).toBeLessThanOrEqual(6); // 2:2:1
    expect(Math.abs(shares[2] - 180)).toBeLessThanOrEqual(6);
    for (const v of three.bounds) expect(v % 3).toBe(0);
  });

  it('moves a boundary only part of the way after one run, so one slow run changes little', () => {
    const b = new ShareBalancer(256, 2, 1);
    b.update(new Float64Array([1, 10])); // the worker stalled once
    expect(b.bounds[1]).toBeGreaterThan(128);
    expect(b.bounds[1]).toBeLessThan(128 + 0.2 * 128);
  });

  it('keeps every share above a floor, however slow a thread is', () => {
    const b = new ShareBalancer(64, 2, 1);
    settle(b, [1, 1000], 500);
    expect(b.bounds[1]).toBe(64 - 8); // a share is never below 1/8 of the node with two threads
  });

  it('ignores a run without evidence (an unmeasurable time)', () => {
    const b = new ShareBalancer(64, 2, 1);
    b.update(new Float64Array([0, 5]));
    b.update(new Float64Array([Number.NaN, 5]));
    expect([...b.bounds]).toEqual([0, 32, 64]);
  });
});
