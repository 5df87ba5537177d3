/**
 * The one error type of this package: a dataset file that is missing, unreadable, corrupt or of
 * the wrong shape, or a download that failed. The message always names the file (or directory)
 * and what is wrong with it.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The message of anything thrown, for embedding in a DatasetError message. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
