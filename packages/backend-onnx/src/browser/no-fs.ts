// What package.json "browser" puts in place of node:fs/promises and @saekit/core/node: a page has no
// file paths, so the functions that take one say what to pass instead.
function noPaths(what: string): never {
  throw new Error(
    `onnx backend: ${what} takes a file path, which exists only in Node; in a browser pass the bytes ` +
      '(new Uint8Array(await file.arrayBuffer()) for a File or Blob, or of await fetch(url)), or download them',
  );
}

export async function readFile(path: string): Promise<Uint8Array> {
  return noPaths(`reading ${path}`);
}

export async function writeFileAtomic(path: string, _bytes: Uint8Array): Promise<void> {
  noPaths(`writing ${path}`);
}
