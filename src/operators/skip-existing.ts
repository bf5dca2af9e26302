import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { from, of, type Observable, type OperatorFunction } from 'rxjs';
import { jpegDefect } from '../frame/jpeg.ts';
import type { AlreadyExistedItem, FailedItem, FrameRef, PipelineItem } from '../items.ts';
import { linkBelowRoot, linkFailure, listFrameFolder, moveAside, type FrameFolderListing } from '../disk/frame-files.ts';
import { frameFilePath, frameKey } from '../frame/layout.ts';
import { concatOnKind, type OfKind } from './on-kind.ts';

export interface SkipExistingOptions {
  readonly root: string;
  /** How long a folder's listing is trusted before it is read again (default 10 s). */
  readonly listingTtlMs?: number;
  /**
   * Keys (see `frameKey`) of the frames the catalog holds on the date and stream of `frame`: their files
   * are taken as they are (`draydog verify` checks them). Any other file is read and must be a whole
   * JPEG; without this, every file is. Asked once per folder that holds files, when it is listed.
   */
  readonly catalogedOn?: (frame: FrameRef) => Promise<ReadonlySet<string>>;
  /** Called with the new name of a file that was not a whole JPEG and was moved aside. */
  readonly onMovedAside?: (path: string, aside: string, defect: string) => void;
}

/** Folders whose listing is kept; frames arrive date by date, so older folders are rarely seen again. */
const KEPT_LISTINGS = 64;

interface Listing extends FrameFolderListing {
  readonly listedAt: number;
  /** The folder on the way that is a symbolic link, when there is one. */
  readonly link?: string;
  /** The frames of the folder the catalog holds, asked for the first time a file of it must be judged. */
  cataloged?: Promise<ReadonlySet<string>>;
}

/**
 * A frame or request whose final file is already on disk becomes `alreadyExisted`, with no network
 * request. Each folder is listed once (again after `listingTtlMs`) instead of one `stat` per frame:
 * a lookup in a folder waits for the files being created there, and a synchronous one blocks the
 * event loop. A file that appears after the listing is caught by `writeToDisk`, which never
 * overwrites. Leftover temporary files of dead runs in the folders it lists are removed.
 * A file the catalog does not hold is adopted only if it is a whole JPEG; a broken one (a power cut)
 * is moved aside as `*.corrupt` and the frame goes on to be fetched. Symbolic links are not followed:
 * a frame whose folder or file is one fails at the `place` stage, naming it.
 */
export function skipExisting<T extends PipelineItem>({
  root,
  listingTtlMs = 10_000,
  catalogedOn = async () => new Set<string>(),
  onMovedAside,
}: SkipExistingOptions): OperatorFunction<T, T | AlreadyExistedItem | FailedItem> {
  const listings = new Map<string, Listing>();
  const listingOf = (folder: string): Listing => {
    const now = performance.now();
    const kept = listings.get(folder);
    if (kept && now - kept.listedAt < listingTtlMs) return kept;
    listings.delete(folder);
    const link = linkBelowRoot(root, folder);
    const listing = link
      ? { files: new Set<string>(), links: new Set<string>(), listedAt: now, link }
      : { ...listFrameFolder(folder), listedAt: now };
    listings.set(folder, listing);
    if (listings.size > KEPT_LISTINGS) listings.delete(listings.keys().next().value!);
    return listing;
  };
  const isWholeJpegOrMovedAside = (filePath: string): boolean => {
    let body: Buffer;
    try {
      body = readFileSync(filePath);
    } catch (error) {
      // deleted since its folder was listed (a listing is kept for listingTtlMs, across subscriptions): fetched again
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      return true; // left as it is: saveToCatalog does not catalog a file it cannot read
    }
    const defect = jpegDefect(body);
    if (!defect) return true;
    onMovedAside?.(filePath, moveAside(filePath), defect);
    return false;
  };
  const judge = async (item: OfKind<T, 'frame' | 'request'>, listing: Listing, filePath: string): Promise<T | AlreadyExistedItem> => {
    listing.cataloged ??= catalogedOn(item.frame);
    if ((await listing.cataloged).has(frameKey(item.frame)) || isWholeJpegOrMovedAside(filePath))
      return { kind: 'alreadyExisted', frame: item.frame, filePath };
    listing.files.delete(basename(filePath));
    return item;
  };
  return concatOnKind(['frame', 'request'], (item): Observable<T | AlreadyExistedItem | FailedItem> => {
    const filePath = frameFilePath(root, item.frame);
    const listing = listingOf(dirname(filePath));
    const name = basename(filePath);
    const link = listing.link ?? (listing.links.has(name) ? filePath : undefined);
    if (link) return of(linkFailure(item.frame, item.kind === 'request' ? item.urls.full : '', 0, link));
    return listing.files.has(name) ? from(judge(item, listing, filePath)) : of(item);
  });
}
