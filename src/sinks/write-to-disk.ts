import type { OperatorFunction } from 'rxjs';
import { diskStore } from '../disk/disk-store.ts';
import { linkFailure } from '../disk/frame-files.ts';
import type { AlreadyExistedItem, DownloadedItem, FailedItem, FetchedItem, PipelineItem } from '../items.ts';
import { mergeOnKind, type NotOfKind } from '../operators/on-kind.ts';
import { DEFAULTS } from '../settings.ts';
import type { FrameStore, PutOutcome } from '../storage/frame-store.ts';

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

export interface WriteToStoreOptions {
  readonly store: FrameStore;
  /** Bodies stored at once. */
  readonly concurrency?: number;
}

/**
 * Fetched frames are put into `store` and become `downloaded` (with the sha256 of the bytes stored).
 * What is already at a frame's place is never replaced: the frame becomes `alreadyExisted`. A frame
 * the store cannot take (disk full, no permission) becomes `failed` at the `write` stage; one whose
 * place is a symbolic link is not followed and fails at `place`.
 */
export function writeToStore<T extends PipelineItem>({
  store,
  concurrency = DEFAULTS.concurrency,
}: WriteToStoreOptions): OperatorFunction<T, NotOfKind<T, 'fetched'> | DownloadedItem | AlreadyExistedItem | FailedItem> {
  const put = async (item: FetchedItem): Promise<DownloadedItem | AlreadyExistedItem | FailedItem> => {
    const { kind: _fetched, body, ...rest } = item;
    const bytes = body.length;
    let outcome: PutOutcome;
    try {
      outcome = await store.put(item.frame, body);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return {
        kind: 'failed',
        stage: 'write',
        frame: item.frame,
        url: item.url,
        error: `cannot ${store.verb ?? 'write'} ${store.locationOf(item.frame)}: ${reason}`,
        attempts: item.attempts,
      };
    }
    if (outcome.kind === 'refused') return linkFailure(item.frame, item.url, item.attempts, outcome.link);
    if (outcome.kind === 'exists') return { kind: 'alreadyExisted', frame: item.frame, filePath: outcome.location };
    return { ...rest, kind: 'downloaded', bytes, sha256: outcome.sha256, filePath: outcome.location };
  };
  return mergeOnKind('fetched', put, concurrency);
}

/**
 * `writeToStore` into the folder tree under `root` (see `diskStore`): frames go to
 * `<root>/<YYYY-MM-DD>/<stream>/<YYYYMMDDHHMMSS>_<stream>.jpg`. Files are written on a few writer
 * threads; a body that owns its memory is moved there, not copied, so the `fetched` item's body is
 * empty afterwards: read bodies before this stage.
 */
export function writeToDisk<T extends PipelineItem>({ root, concurrency, fsync }: WriteToDiskOptions) {
  return writeToStore<T>({ store: diskStore({ root, fsync }), concurrency });
}
