import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, lstatSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface AtomicWrite {
  readonly finalPath: string;
  /** A name beside `finalPath` that no other writer uses (see `temporaryPathFor`). */
  readonly temporaryPath: string;
  readonly body: Uint8Array;
  /** Replace a file already at `finalPath`; when false such a file is left alone and the answer is `exists`. */
  readonly replace: boolean;
  /** fsync the file before it gets its final name, and its folder after. */
  readonly durable: boolean;
}

/** File systems without hard links (FAT, some network and FUSE mounts) answer a link with one of these. */
const noHardLinks = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/**
 * Gives the temporary file its final name unless that name is taken. A hard link fails on a taken
 * name however the race with another process goes; where links are not supported, a check then a
 * rename is the best there is.
 */
export function nameWithoutReplacing(temporaryPath: string, finalPath: string): 'written' | 'exists' {
  try {
    linkSync(temporaryPath, finalPath);
  } catch (error) {
    const { code = '' } = error as NodeJS.ErrnoException;
    if (code === 'EEXIST') return 'exists';
    if (!noHardLinks.has(code)) throw error;
    if (lstatSync(finalPath, { throwIfNoEntry: false })) return 'exists';
    renameSync(temporaryPath, finalPath);
    return 'written';
  }
  unlinkSync(temporaryPath);
  return 'written';
}

function syncFolder(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export type AtomicWriteOutcome = { readonly kind: 'written'; readonly sha256: string } | { readonly kind: 'exists' };

/**
 * Writes (and, when durable, syncs) a temporary file, then renames it, so a final name never holds a
 * partial file; answers with the sha256 of the bytes written. Synchronous: it runs on a writer thread
 * (see `writer-threads.ts`), where one message per file costs less than a round trip through libuv's
 * thread pool per call. Throws after removing the temporary file.
 */
export function writeAtomicallySync({ finalPath, temporaryPath, body, replace, durable }: AtomicWrite): AtomicWriteOutcome {
  try {
    const fd = openSync(temporaryPath, 'wx');
    try {
      for (let offset = 0; offset < body.length; ) offset += writeSync(fd, body, offset);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (replace) renameSync(temporaryPath, finalPath);
    else if (nameWithoutReplacing(temporaryPath, finalPath) === 'exists') {
      rmSync(temporaryPath, { force: true });
      return { kind: 'exists' };
    }
    if (durable) syncFolder(finalPath);
    return { kind: 'written', sha256: createHash('sha256').update(body).digest('hex') };
  } catch (error) {
    rmSync(temporaryPath, { force: true });
    throw error;
  }
}
