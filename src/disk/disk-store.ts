import { existsSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { frameFilePath } from '../frame/layout.ts';
import type { FrameStore, PutOutcome } from '../storage/frame-store.ts';
import type { AtomicWriteOutcome } from './atomic-write.ts';
import { linkBelowRoot, releaseTemporaryPath, staleTemporaryFileSweeper, temporaryPathFor } from './frame-files.ts';
import { writeOffThread } from './writer-threads.ts';

export interface DiskStoreOptions {
  readonly root: string;
  /** Sync every file to stable storage before it gets its final name. */
  readonly fsync?: boolean;
}

/** Through a tracked temporary file on a writer thread (see `writeOffThread`): a final name never holds a partial file. */
async function writeThroughTemporaryFile(
  finalPath: string,
  body: Uint8Array,
  replace: boolean,
  durable: boolean,
): Promise<AtomicWriteOutcome> {
  const temporaryPath = temporaryPathFor(finalPath);
  try {
    return await writeOffThread({ finalPath, temporaryPath, body, replace, durable });
  } catch (error) {
    rmSync(temporaryPath, { force: true }); // a thread that died mid-write left it
    throw error;
  } finally {
    releaseTemporaryPath(temporaryPath);
  }
}

/** Writes, syncs and renames a temporary file, replacing what is at `finalPath`; the body may be handed over (emptied). */
export async function writeFileAtomically(finalPath: string, body: Uint8Array): Promise<void> {
  await writeThroughTemporaryFile(finalPath, body, true, true);
}

/**
 * The archive as a folder tree under `root`: files are written on writer threads through temporary
 * names, never over a file that is there, and never through a symbolic link. The folders it made are
 * remembered by the store, and each is checked to be still there before a write: one deleted since
 * (by hand, or between two runs) is made again.
 */
export function diskStore({ root, fsync = false }: DiskStoreOptions): FrameStore {
  const sweep = staleTemporaryFileSweeper();
  const createdFolders = new Set<string>();
  return {
    locationOf: (frame) => frameFilePath(root, frame),
    async put(frame, body): Promise<PutOutcome> {
      const location = frameFilePath(root, frame);
      const folder = dirname(location);
      if (!createdFolders.has(folder) || !existsSync(folder)) {
        // mkdir would follow a linked date or stream folder, out of the archive
        const link = linkBelowRoot(root, folder);
        if (link) return { kind: 'refused', location, link };
        mkdirSync(folder, { recursive: true });
        sweep(folder);
        createdFolders.add(folder);
      }
      const written = await writeThroughTemporaryFile(location, body, false, fsync);
      if (written.kind === 'written') return { kind: 'written', location, sha256: written.sha256 };
      return lstatSync(location, { throwIfNoEntry: false })?.isSymbolicLink()
        ? { kind: 'refused', location, link: location }
        : { kind: 'exists', location };
    },
  };
}
