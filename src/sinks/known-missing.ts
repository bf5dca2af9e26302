import type { MikroORM } from '@mikro-orm/sqlite';
import { parseTimestamp } from '../frame-time.ts';
import type { FrameRef } from '../items.ts';
import { MissingFrame } from './missing-frame-entity.ts';

/** A camera's upload can lag: a miss counts as final only when asked this long after the capture time. */
export const MISS_SETTLES_AFTER_MS = 3_600_000;

export function frameKey({ terminal, stream, capturedAt }: Pick<FrameRef, 'terminal' | 'stream' | 'capturedAt'>): string {
  return `${terminal}/${stream}/${capturedAt}`;
}

export interface KnownMissingOptions {
  readonly terminal?: string;
  /** `YYYY-MM-DD` bounds, inclusive; all dates without them. */
  readonly from?: string;
  readonly to?: string;
}

/** Keys (see `frameKey`) of the frames the CDN settled as missing in earlier runs. */
export async function loadKnownMissing(orm: MikroORM, { terminal, from, to }: KnownMissingOptions = {}): Promise<Set<string>> {
  const rows = await orm.em.fork().find(
    MissingFrame,
    {
      ...(terminal ? { terminal } : {}),
      capturedAt: { $gte: from ?? '0000', $lt: `${to ?? '9999-12-31'}T99` },
    },
    { fields: ['terminal', 'stream', 'capturedAt', 'checkedAt'] },
  );
  const settled = rows.filter((row) => Date.parse(row.checkedAt) - parseTimestamp(row.capturedAt) >= MISS_SETTLES_AFTER_MS);
  return new Set(settled.map(frameKey));
}
