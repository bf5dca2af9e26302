import type { CatalogOrm } from './catalog-location.ts';
import { parseTimestamp } from '../frame/time.ts';
import type { NotFoundItem, OutcomeItem, PipelineItem } from '../items.ts';
import { frameKey } from '../frame/layout.ts';
import { MissingFrame } from './missing-frame-entity.ts';

/** A camera's upload can lag: a miss counts as final only when asked this long after the capture time. */
export const MISS_SETTLES_AFTER_MS = 3_600_000;

/** How the catalog names a CDN: its base URL without credentials, which are never stored, or a trailing slash. */
export function cdnOf(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.username = '';
  url.password = '';
  return url.href.replace(/\/+$/, '');
}

export interface KnownMissingOptions {
  /** The CDN whose answers count: a miss elsewhere says nothing about it. */
  readonly baseUrl: string;
  readonly terminal?: string;
  /** `YYYY-MM-DD` bounds, inclusive; all dates without them. */
  readonly from?: string;
  readonly to?: string;
}

/** Keys (see `frameKey`) of the frames the CDN at `baseUrl` settled as missing in earlier runs. */
export async function loadKnownMissing(orm: CatalogOrm, { baseUrl, terminal, from, to }: KnownMissingOptions): Promise<Set<string>> {
  const rows = await orm.em.fork().find(
    MissingFrame,
    {
      baseUrl: cdnOf(baseUrl),
      ...(terminal ? { terminal } : {}),
      capturedAt: { $gte: from ?? '0000', $lt: `${to ?? '9999-12-31'}T99` },
    },
    { fields: ['terminal', 'stream', 'capturedAt', 'checkedAt'] },
  );
  const settled = rows.filter((row) => Date.parse(row.checkedAt) - parseTimestamp(row.capturedAt) >= MISS_SETTLES_AFTER_MS);
  return new Set(settled.map(frameKey));
}

const dateStreamOf = ({ frame }: OutcomeItem) => `${frame.date}/${frame.stream}`;

/**
 * A filter of the misses worth remembering, batch by batch, for one run: a miss counts once the run
 * saw a frame of the same date and stream exist (downloaded or on disk). A date and stream that
 * answered nothing but misses says more about the run (a mistyped `--base-url` or stream, a CDN in
 * maintenance) than about its frames: its misses are held, and forgotten if no frame of it turns up.
 */
export function missesWorthRemembering(): (batch: readonly PipelineItem[]) => NotFoundItem[] {
  const withFrames = new Set<string>();
  const held = new Map<string, NotFoundItem[]>();
  return (batch) => {
    const remembered: NotFoundItem[] = [];
    for (const item of batch) {
      if ((item.kind !== 'downloaded' && item.kind !== 'alreadyExisted') || withFrames.has(dateStreamOf(item))) continue;
      withFrames.add(dateStreamOf(item));
      remembered.push(...(held.get(dateStreamOf(item)) ?? []));
      held.delete(dateStreamOf(item));
    }
    // misses skipped as already known (no request) are not new answers
    for (const item of batch) {
      if (item.kind !== 'notFound' || item.attempts === 0) continue;
      if (withFrames.has(dateStreamOf(item))) remembered.push(item);
      else held.set(dateStreamOf(item), [...(held.get(dateStreamOf(item)) ?? []), item]);
    }
    return remembered;
  };
}
