import { DatasetError } from './errors.js';

/**
 * An IDX array (the format of the MNIST files): its dimensions, outermost first, and its values
 * row-major. Only unsigned bytes (type 0x08) are supported. `data` never shares memory with the
 * caller's bytes.
 */
export interface IdxArray {
  dtype: 'uint8';
  dims: number[];
  data: Uint8Array;
}

/** deflate's largest expansion: no gzip stream of n bytes inflates to more than this × n. */
export const MAX_INFLATE_RATIO = 1032;

/** The largest IDX data section read by default. */
export const DEFAULT_MAX_IDX_BYTES = 2 ** 31 - 1;

const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x08, 'unsigned byte'],
  [0x09, 'signed byte'],
  [0x0b, 'int16'],
  [0x0c, 'int32'],
  [0x0d, 'float32'],
  [0x0e, 'float64'],
]);

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

/**
 * Takes an IDX file's bytes in chunks: checks the header as soon as it is complete, allocates the
 * data only once its size is checked against `bound` (what the file can hold) and `maxBytes`, and
 * refuses a byte more than the header declares as soon as it arrives.
 */
export class IdxAssembler {
  private head = new Uint8Array(0);
  private dims: number[] | undefined;
  private headerBytes = 0;
  private data: Uint8Array | undefined;
  private filled = 0;

  constructor(
    private readonly source: string,
    /** The most data bytes the file can yield after a header of `headerBytes`, and why. */
    private readonly bound: (headerBytes: number) => { bytes: number; why: string },
    private readonly maxBytes = DEFAULT_MAX_IDX_BYTES,
  ) {}

  push(chunk: Uint8Array): void {
    let rest = chunk;
    if (!this.data) {
      const joined = new Uint8Array(this.head.length + rest.length);
      joined.set(this.head);
      joined.set(rest, this.head.length);
      const used = this.readHeader(joined);
      if (used === 0) {
        this.head = joined;
        return;
      }
      this.head = new Uint8Array(0);
      rest = joined.subarray(used);
    }
    const data = this.data as Uint8Array;
    if (this.filled + rest.length > data.length) {
      // The exact count is known only when the whole excess is in hand; a stream stops at once.
      throw this.error(`trailing bytes: ${this.saysMore()}`);
    }
    data.set(rest, this.filled);
    this.filled += rest.length;
  }

  /** The whole file's size the header declares (header + data); throws when it is incomplete. */
  finishHeader(): number {
    if (!this.data) this.headerError();
    return this.headerBytes + (this.data as Uint8Array).length;
  }

  finish(): IdxArray {
    this.finishHeader();
    const data = this.data as Uint8Array;
    if (this.filled < data.length) throw this.error(`truncated: ${this.says(String(this.filled))}`);
    return { dtype: 'uint8', dims: this.dims as number[], data };
  }

  private headerError(): never {
    const raw = this.head;
    if (raw.length < 4) {
      throw this.error(`too short to be an IDX file: ${raw.length} bytes, the magic number alone needs 4`);
    }
    throw this.error(
      `truncated header: ${raw[3]} dimensions need a ${4 + 4 * raw[3]}-byte header, file has ${raw.length} bytes`,
    );
  }

  /** `header says … file has more than …`, for a stream stopped at the first excess byte. */
  saysMore(): string {
    return this.says(`more than ${(this.data as Uint8Array).length}`);
  }

  private says(got: string): string {
    const dims = this.dims as number[];
    const size = (this.data as Uint8Array).length;
    return `header says ${dims.join('x')} = ${size} bytes of data, file has ${got} (after the ${this.headerBytes}-byte header)`;
  }

  private error(msg: string): DatasetError {
    return new DatasetError(`${this.source}: ${msg}`);
  }

  /** Bytes of `raw` the header used, or 0 when it is not complete yet. */
  private readHeader(raw: Uint8Array): number {
    if (raw.length >= 2 && (raw[0] !== 0 || raw[1] !== 0)) {
      throw this.error(
        `bad magic: an IDX file starts with two zero bytes, got ${hex(raw[0])} ${hex(raw[1])} (not an IDX file?)`,
      );
    }
    if (raw.length < 4) return 0;
    const type = raw[2];
    const ndims = raw[3];
    if (type !== 0x08) {
      const what = TYPE_NAMES.get(type) ?? 'not an IDX type code';
      throw this.error(
        `unsupported IDX data type ${hex(type)} (${what}); only 0x08 (unsigned byte) is supported`,
      );
    }
    if (ndims === 0) throw this.error('bad magic: the IDX header declares 0 dimensions');
    const headerBytes = 4 + 4 * ndims;
    if (raw.length < headerBytes) return 0;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const dims: number[] = [];
    let size = 1;
    for (let i = 0; i < ndims; i++) {
      const d = view.getUint32(4 + 4 * i, false);
      dims.push(d);
      size *= d;
    }
    const declared = `header says ${dims.join('x')} = ${size} bytes of data`;
    if (size > this.maxBytes) throw this.error(`${declared}, over the limit of ${this.maxBytes}`);
    const bound = this.bound(headerBytes);
    if (size > bound.bytes) {
      throw this.error(
        bound.why === 'exact'
          ? `truncated: ${declared}, file has ${bound.bytes} (after the ${headerBytes}-byte header)`
          : `truncated: ${declared}, ${bound.why} (${bound.bytes} at most)`,
      );
    }
    if (bound.why === 'exact' && size < bound.bytes) {
      throw this.error(
        `${bound.bytes - size} trailing bytes: ${declared}, file has ${bound.bytes} (after the ${headerBytes}-byte header)`,
      );
    }
    this.dims = dims;
    this.headerBytes = headerBytes;
    this.data = new Uint8Array(size);
    return headerBytes;
  }
}
