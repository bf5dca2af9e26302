import { SqlitePlatform } from '@mikro-orm/sqlite';
import type { CatalogOrm } from './catalog-location.ts';

/**
 * SQL for the seconds from `earlier` to `later`, two `YYYY-MM-DDTHH:MM:SS` expressions: the one piece
 * of the catalog's queries that SQLite and PostgreSQL spell differently.
 */
export function secondsBetween(orm: CatalogOrm, later: string, earlier: string): string {
  return orm.em.getPlatform() instanceof SqlitePlatform
    ? `(strftime('%s', ${later}) - strftime('%s', ${earlier}))`
    : `extract(epoch from cast(${later} as timestamp) - cast(${earlier} as timestamp))`;
}
