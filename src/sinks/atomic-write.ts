import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface AtomicWrite {
  readonly finalPath: string;
  /** A name beside `finalPath` that no other writer uses (see `temporaryPathFor`). */
  readonly temporaryPath: string;
  readonly body: Uint8Array;
  /** Replace a file already at `finalPath`; when false such a file is left alone and the answer is `exists`. */
  readonly replace: boolean;
  /** fsync the file before it gets its final name. */
  readonly durable: boolean;
}

export type AtomicWriteOutcome = { readonly kind: 'written'; readonly sha256: string } | { readonly kind: 'exists' };

/**
 * Writes (and, when durable, syncs) a temporary file, then renames it, so a final name never holds a
 * partial file; answers with the sha256 of the bytes written. Synchronous: it runs on a writer thread
 * (see `writer-threads.ts`), where one message per file costs less than a round trip through libuv's
 * thread pool per call. Throws after removing the temporary file.
 */
export function writeAtomicallySync({ finalPath, temporaryPath, body, replace, durable }: AtomicWrite): AtomicWriteOutcome {
  if (!replace && lstatSync(finalPath, { throwIfNoEntry: false })) return { kind: 'exists' };
  try {
    const fd = openSync(temporaryPath, 'wx');
    try {
      for (let offset = 0; offset < body.length; ) offset += writeSync(fd, body, offset);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporaryPath, finalPath);
    return { kind: 'written', sha256: createHash('sha256').update(body).digest('hex') };
  } catch (error) {
    rmSync(temporaryPath, { force: true });
    throw error;
  }
}
