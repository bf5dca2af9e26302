import { mkdirSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { from, mergeMap, of, type OperatorFunction } from 'rxjs';
import type { AlreadyExistedItem, DownloadedItem, FailedItem, FetchedItem, PipelineItem } from '../items.ts';
import { frameFilePath, releaseTemporaryPath, staleTemporaryFileSweeper, temporaryPathFor } from './frame-files.ts';

export interface WriteToDiskOptions {
  readonly root: string;
  /** Files written at once. */
  readonly concurrency?: number;
}

/** Writes, syncs and closes a temporary file, then renames it, so a final name never holds a partial file. */
export async function writeFileAtomically(finalPath: string, body: Uint8Array): Promise<void> {
  const temporaryPath = temporaryPathFor(finalPath);
  try {
    const file = await open(temporaryPath, 'wx');
    try {
      await file.writeFile(body);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporaryPath, finalPath);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  } finally {
    releaseTemporaryPath(temporaryPath);
  }
}

/**
 * Fetched frames go to `<root>/<YYYY-MM-DD>/<stream>/<YYYYMMDDHHMMSS>_<stream>.jpg` and become
 * `downloaded`. A file already at that name is never overwritten: the frame becomes `alreadyExisted`.
 * A frame that cannot be written (disk full, no permission) becomes `failed` at the `write` stage.
 */
export function writeToDisk({
  root,
  concurrency = 8,
}: WriteToDiskOptions): OperatorFunction<PipelineItem, Exclude<PipelineItem, FetchedItem>> {
  const sweep = staleTemporaryFileSweeper();
  const createdFolders = new Set<string>();
  const write = async (item: FetchedItem): Promise<DownloadedItem | AlreadyExistedItem | FailedItem> => {
    const filePath = frameFilePath(root, item.frame);
    const folder = dirname(filePath);
    try {
      if (!createdFolders.has(folder)) {
        mkdirSync(folder, { recursive: true });
        sweep(folder);
        createdFolders.add(folder);
      }
      if (await stat(filePath).then(() => true, () => false)) {
        return { kind: 'alreadyExisted', frame: item.frame, filePath };
      }
      await writeFileAtomically(filePath, item.body);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { kind: 'failed', stage: 'write', frame: item.frame, url: item.url, error: `cannot write ${filePath}: ${reason}`, attempts: item.attempts };
    }
    const { kind: _fetched, body, ...rest } = item;
    return { ...rest, kind: 'downloaded', bytes: body.length, filePath };
  };
  return mergeMap((item) => (item.kind === 'fetched' ? from(write(item)) : of(item)), concurrency);
}
