import type { CatalogOrm } from '../catalog/catalog-location.ts';
import {
  asyncScheduler,
  bufferTime,
  concatMap,
  defer,
  filter,
  from,
  mergeMap,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import type { AlreadyExistedItem, DownloadedItem, NotFoundItem, PipelineItem } from '../items.ts';
import { recordMisses, rowOfDownload, rowsMissingFor, upsertImages, type ReadFrame } from '../catalog/images.ts';
import { missesWorthRemembering } from '../catalog/known-missing.ts';

export interface SaveToCatalogOptions {
  readonly batchSize?: number;
  /** Longest time an item waits for its batch to fill. */
  readonly flushIntervalMs?: number;
  readonly scheduler?: SchedulerLike;
  /** The CDN the frames come from; the misses it answered are remembered only when it is given. */
  readonly baseUrl?: string;
  /** Root of the image tree: paths under it are cataloged relative to it (see `catalogPath`). */
  readonly root?: string;
  /** How the bytes of a frame found in the archive without a row are read (by default from disk). */
  readonly readFrame?: ReadFrame;
}

async function saveBatch(
  orm: CatalogOrm,
  batch: readonly PipelineItem[],
  misses: readonly NotFoundItem[],
  { baseUrl, root, readFrame }: SaveToCatalogOptions,
): Promise<void> {
  const downloaded = batch.filter((item): item is DownloadedItem => item.kind === 'downloaded');
  const existing = batch.filter((item): item is AlreadyExistedItem => item.kind === 'alreadyExisted');
  const now = new Date();
  await upsertImages(orm, [
    ...downloaded.map((item) => rowOfDownload(item, now, root)),
    ...(await rowsMissingFor(orm, existing, root, readFrame)),
  ]);
  if (baseUrl) await recordMisses(orm, baseUrl, misses, now);
}

/**
 * Catalogs downloaded frames and frames already on disk in batched, idempotent upserts, so disk and
 * catalog agree after any crash, and remembers the frames the CDN at `baseUrl` did not have (see
 * `missesWorthRemembering`). Every item passes on once its batch is saved.
 */
export function saveToCatalog(orm: CatalogOrm, options: SaveToCatalogOptions = {}): MonoTypeOperatorFunction<PipelineItem> {
  const { batchSize = 500, flushIntervalMs = 250, scheduler = asyncScheduler } = options;
  return (source) =>
    defer(() => {
      const worthRemembering = missesWorthRemembering();
      return source.pipe(
        bufferTime(flushIntervalMs, null, batchSize, scheduler),
        filter((batch) => batch.length > 0),
        concatMap((batch) => from(saveBatch(orm, batch, worthRemembering(batch), options)).pipe(mergeMap(() => batch))),
      );
    });
}
