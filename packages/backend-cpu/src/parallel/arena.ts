/**
 * Shared memory for threaded executables, handed out as ranges of a few large SharedArrayBuffer
 * chunks. Each chunk reaches the workers once; compiling and disposing executables then only
 * moves ranges between free lists. (A SharedArrayBuffer per executable leaked: the worker
 * isolates, which allocate almost nothing, rarely collect the ones they were sent.)
 */
export interface ArenaRange {
  readonly chunk: number;
  /** Byte offset and byte length inside the chunk. */
  readonly offset: number;
  readonly bytes: number;
}

const CHUNK_BYTES = 64 << 20;
const ALIGN = 64; // a cache line: threads writing neighbouring ranges never share one

export class SharedArena {
  readonly chunks: SharedArrayBuffer[] = [];
  /** Free [start, end) byte ranges of each chunk, sorted by start. */
  private readonly free: [number, number][][] = [];
  private readonly ranges = new WeakMap<ArrayBufferView, ArenaRange>();

  constructor(private readonly onNewChunk: (index: number, chunk: SharedArrayBuffer) => void) {}

  /** A zeroed Float32Array or Float64Array of `n` elements on shared memory. */
  alloc<T extends Float32Array | Float64Array>(
    n: number,
    make: (buf: SharedArrayBuffer, offset: number, n: number) => T,
    width: number,
  ): T {
    const need = Math.max(ALIGN, Math.ceil((n * width) / ALIGN) * ALIGN);
    for (let c = 0; c < this.chunks.length; c++) {
      const list = this.free[c];
      for (let i = 0; i < list.length; i++) {
        const [start, end] = list[i];
        if (end - start < need) continue;
        if (end - start === need) list.splice(i, 1);
        else list[i] = [start + need, end];
        return this.view(c, start, need, n, make);
      }
    }
    const size = Math.max(CHUNK_BYTES, need);
    const chunk = new SharedArrayBuffer(size);
    this.chunks.push(chunk);
    this.free.push(size > need ? [[need, size]] : []);
    this.onNewChunk(this.chunks.length - 1, chunk);
    return this.view(this.chunks.length - 1, 0, need, n, make);
  }

  private view<T extends Float32Array | Float64Array>(
    chunk: number,
    offset: number,
    bytes: number,
    n: number,
    make: (buf: SharedArrayBuffer, offset: number, n: number) => T,
  ): T {
    const v = make(this.chunks[chunk], offset, n);
    v.fill(0);
    this.ranges.set(v, { chunk, offset, bytes });
    return v;
  }

  /** Where an array handed out by `alloc` lives. */
  rangeOf(v: ArrayBufferView): ArenaRange {
    const r = this.ranges.get(v);
    if (!r) throw new Error('arena: this array was not allocated from the shared arena');
    return r;
  }

  /** Returns an array's range to its chunk's free list, merging with free neighbours. */
  release(v: ArrayBufferView): void {
    const r = this.ranges.get(v);
    if (!r) return;
    this.ranges.delete(v);
    const list = this.free[r.chunk];
    let start = r.offset;
    let end = r.offset + r.bytes;
    let i = 0;
    while (i < list.length && list[i][0] < start) i++;
    if (i > 0 && list[i - 1][1] === start) {
      start = list[i - 1][0];
      list.splice(--i, 1);
    }
    if (i < list.length && list[i][0] === end) {
      end = list[i][1];
      list.splice(i, 1);
    }
    list.splice(i, 0, [start, end]);
  }

  /** Free bytes across chunks (for tests). */
  freeBytes(): number {
    return this.free.reduce((a, l) => a + l.reduce((b, [s, e]) => b + e - s, 0), 0);
  }
}
