import { existsSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OperatorFunction } from 'rxjs';
import type { AlreadyExistedItem, DownloadedItem, FailedItem, FetchedItem, PipelineItem } from '../items.ts';
import { linkBelowRoot, linkFailure, releaseTemporaryPath, staleTemporaryFileSweeper, temporaryPathFor } from '../disk/frame-files.ts';
import type { AtomicWriteOutcome } from '../disk/atomic-write.ts';
import { writeOffThread } from '../disk/writer-threads.ts';
import { mergeOnKind, type NotOfKind } from '../operators/on-kind.ts';
import { frameFilePath } from '../frame/layout.ts';
import { DEFAULTS } from '../settings.ts';

export interface WriteToDiskOptions {
  readonly root: string;
  /** Files written at once. */
  readonly concurrency?: number;
  /**
   * Sync every file to stable storage before it gets its final name (default false). Without it a
   * killed process still never leaves a partial file, but a power cut may: `draydog verify --repair`
   * finds and removes such files, and the next run fetches them again.
   */
  readonly fsync?: boolean;
}

/** Through a tracked temporary file on a writer thread (see `writeOffThread`): a final name never holds a partial file. */
async function writeThroughTemporaryFile(finalPath: string, body: Uint8Array, replace: boolean, durable: boolean): Promise<AtomicWriteOutcome> {
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
 * Fetched frames go to `<root>/<YYYY-MM-DD>/<stream>/<YYYYMMDDHHMMSS>_<stream>.jpg` and become
 * `downloaded`. A file already at that name is never overwritten: the frame becomes `alreadyExisted`.
 * A frame that cannot be written (disk full, no permission) becomes `failed` at the `write` stage; one
 * whose folder below `root`, or final name, is a symbolic link is not followed and fails at `place`.
 * `sha256` is that of the bytes written.
 * Files are written on a few writer threads; a body that owns its memory is moved there, not
 * copied, so the `fetched` item's body is empty afterwards: read bodies before this stage.
 * The folders it made are remembered by the operator, not by each subscription (a download subscribes
 * it once per frame, inside its concurrency slot), and each is checked to be still there before a
 * write: one deleted since (by hand, or between two runs of the same operator) is made again.
 */
export function writeToDisk<T extends PipelineItem>({
  root,
  concurrency = DEFAULTS.concurrency,
  fsync = false,
}: WriteToDiskOptions): OperatorFunction<T, NotOfKind<T, 'fetched'> | DownloadedItem | AlreadyExistedItem | FailedItem> {
  const sweep = staleTemporaryFileSweeper();
  const createdFolders = new Set<string>();
  const write = async (item: FetchedItem): Promise<DownloadedItem | AlreadyExistedItem | FailedItem> => {
    const { kind: _fetched, body, ...rest } = item;
    const bytes = body.length;
    const filePath = frameFilePath(root, item.frame);
    const folder = dirname(filePath);
    let written: AtomicWriteOutcome;
    const notFollowed = (link: string) => linkFailure(item.frame, item.url, item.attempts, link);
    try {
      if (!createdFolders.has(folder) || !existsSync(folder)) {
        // mkdir would follow a linked date or stream folder, out of the archive
        const link = linkBelowRoot(root, folder);
        if (link) return notFollowed(link);
        mkdirSync(folder, { recursive: true });
        sweep(folder);
        createdFolders.add(folder);
      }
      written = await writeThroughTemporaryFile(filePath, body, false, fsync);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { kind: 'failed', stage: 'write', frame: item.frame, url: item.url, error: `cannot write ${filePath}: ${reason}`, attempts: item.attempts };
    }
    if (written.kind === 'exists') {
      return lstatSync(filePath, { throwIfNoEntry: false })?.isSymbolicLink() ? notFollowed(filePath) : { kind: 'alreadyExisted', frame: item.frame, filePath };
    }
    return { ...rest, kind: 'downloaded', bytes, sha256: written.sha256, filePath };
  };
  return mergeOnKind('fetched', write, concurrency);
}
