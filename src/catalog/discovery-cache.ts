import { defineEntity, p } from '@mikro-orm/core';
import type { CatalogOrm } from './catalog-location.ts';
import { DAY_MS, parseDate } from '../frame/time.ts';
import type { FrameRef } from '../items.ts';
import { upsertRows } from './upsert-rows.ts';

/** The frame times the history page listed for one stream on one date. */
const DiscoveredDaySchema = defineEntity({
  name: 'DiscoveredDay',
  tableName: 'discovered_days',
  properties: {
    id: p.integer().primary().autoincrement(),
    terminal: p.string(),
    stream: p.string(),
    /** UTC, `YYYY-MM-DD` */
    date: p.string(),
    /** JSON array of `YYYY-MM-DDTHH:MM:SS` capture times. */
    capturedAt: p.text().fieldName('captured_at'),
    discoveredAt: p.string().fieldName('discovered_at'),
  },
  uniques: [{ name: 'discovered_days_unique', properties: ['terminal', 'stream', 'date'] }],
});

export class DiscoveredDay extends DiscoveredDaySchema.class {}
DiscoveredDaySchema.setClass(DiscoveredDay);

/** Where discovery keeps the frames it read, so a rerun need not browse again. */
export interface DiscoveryCache {
  /** The frames of every stream on `date`, or undefined when they must be read from the page. */
  load(date: string, terminal: string, streams: readonly string[]): Promise<FrameRef[] | undefined>;
  save(date: string, terminal: string, streams: readonly string[], frames: readonly FrameRef[]): Promise<void>;
}

export interface CatalogDiscoveryCacheOptions {
  /** How long after a day ends its history page is taken as final (late uploads). */
  readonly settleMs?: number;
  readonly now?: () => number;
  /** Load nothing, so every page is read again (`--rediscover`); what is read is still kept. */
  readonly reread?: boolean;
}

/**
 * A discovery cache in the catalog: a date read whole from the page after it was over (plus
 * `settleMs`) is final and is not browsed again; today's and yesterday's pages are always read afresh.
 * Discovery saves only the streams it read completely.
 */
export function catalogDiscoveryCache(
  orm: CatalogOrm,
  { settleMs = 3_600_000, now = Date.now, reread = false }: CatalogDiscoveryCacheOptions = {},
): DiscoveryCache {
  const settledAt = (date: string) => parseDate(date) + DAY_MS + settleMs;
  return {
    async load(date, terminal, streams) {
      if (reread) return undefined;
      const rows = await orm.em.fork().find(DiscoveredDay, { terminal, date, stream: { $in: [...streams] } });
      const final = rows.filter((row) => Date.parse(row.discoveredAt) >= settledAt(date));
      if (final.length !== streams.length) return undefined;
      const byStream = new Map(final.map((row) => [row.stream, JSON.parse(row.capturedAt) as string[]]));
      return streams.flatMap((stream) => byStream.get(stream)!.map((capturedAt) => ({ terminal, stream, capturedAt, date })));
    },
    async save(date, terminal, streams, frames) {
      if (now() < settledAt(date) || streams.length === 0) return;
      const discoveredAt = new Date(now()).toISOString();
      const rows = streams.map((stream) => ({
        terminal,
        stream,
        date,
        capturedAt: JSON.stringify(frames.filter((frame) => frame.stream === stream).map((frame) => frame.capturedAt)),
        discoveredAt,
      }));
      await upsertRows(orm, DiscoveredDay, rows, ['terminal', 'stream', 'date'], ['capturedAt', 'discoveredAt']);
    },
  };
}
