/** A file of a published SAE that is malformed, inconsistent, or asks for what saekit does not compute. */
export class SaeFormatError extends Error {
  override name = 'SaeFormatError';
}

/** Throws a SaeFormatError whose message starts with the file it is about. */
export function fail(source: string, msg: string): never {
  throw new SaeFormatError(`${source}: ${msg}`);
}
