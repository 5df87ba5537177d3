import type { Rng } from '@saekit/core';

/** What a strict reference reading makes of an input: refused, or these values. */
export type Reading =
  | { readonly ok: false; readonly why: string }
  | { readonly ok: true; readonly value: unknown };

/** One reader under test, with the inputs to start from and an independent reference. */
export interface Target {
  readonly name: string;
  /** Valid files, the starting points of mutations. */
  seeds(): Uint8Array[];
  /** A structure-aware forgery (forged sizes, offsets, keys, ops), or undefined to mutate instead. */
  forge(rng: Rng, seeds: readonly Uint8Array[]): Uint8Array | undefined;
  /** Runs the reader; resolves to what it read, in the form the reference gives. */
  read(bytes: Uint8Array): Promise<unknown>;
  /** True for the reader's own error types: anything else thrown is a crash. */
  ownError(e: unknown): boolean;
  /**
   * The strict reference: what the input must read as. For ONNX it is given the reader's result,
   * since a model's values are only observable by running it.
   */
  reference(bytes: Uint8Array, accepted?: unknown): Reading | Promise<Reading>;
}

export type Verdict = 'refused' | 'accepted' | 'crash' | 'wrong-accept' | 'wrong-refuse' | 'hang';
