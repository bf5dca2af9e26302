import { basename, dirname } from 'node:path';
import { map, type OperatorFunction } from 'rxjs';
import type { AlreadyExistedItem, PipelineItem } from '../items.ts';
import { frameFilePath, listFrameFolder } from '../sinks/frame-files.ts';

export interface SkipExistingOptions {
  readonly root: string;
  /** How long a folder's listing is trusted before it is read again (default 10 s). */
  readonly listingTtlMs?: number;
}

/** Folders whose listing is kept; frames arrive date by date, so older folders are rarely seen again. */
const KEPT_LISTINGS = 64;

/**
 * A frame or request whose final file is already on disk becomes `alreadyExisted`, with no network
 * request. Each folder is listed once (again after `listingTtlMs`) instead of one `stat` per frame:
 * a lookup in a folder waits for the files being created there, and a synchronous one blocks the
 * event loop. A file that appears after the listing is caught by `writeToDisk`, which never
 * overwrites. Leftover temporary files of dead runs in the folders it lists are removed.
 */
export function skipExisting<T extends PipelineItem>({ root, listingTtlMs = 10_000 }: SkipExistingOptions): OperatorFunction<T, T | AlreadyExistedItem> {
  const listings = new Map<string, { readonly files: ReadonlySet<string>; readonly listedAt: number }>();
  const filesIn = (folder: string): ReadonlySet<string> => {
    const now = performance.now();
    const kept = listings.get(folder);
    if (kept && now - kept.listedAt < listingTtlMs) return kept.files;
    listings.delete(folder);
    const files = listFrameFolder(folder);
    listings.set(folder, { files, listedAt: now });
    if (listings.size > KEPT_LISTINGS) listings.delete(listings.keys().next().value!);
    return files;
  };
  return map((item): T | AlreadyExistedItem => {
    if (item.kind !== 'frame' && item.kind !== 'request') return item;
    const filePath = frameFilePath(root, item.frame);
    return filesIn(dirname(filePath)).has(basename(filePath)) ? { kind: 'alreadyExisted', frame: item.frame, filePath } : item;
  });
}
