import type { CatalogOrm } from './catalog-location.ts';
import { secondsBetween } from './catalog-sql.ts';

export interface CatalogDay {
  readonly date: string;
  readonly stream: string;
  readonly frames: number;
  readonly bytes: number;
  /** UTC capture times of the first and last frame of the day. */
  readonly first: string;
  readonly last: string;
  /** Longest time between two consecutive frames of the day, in seconds (0 with fewer than two). */
  readonly largestGapSeconds: number;
  readonly thumbnailsOnly: number;
}

export interface CatalogSummaryOptions {
  readonly from?: string;
  readonly to?: string;
  readonly terminal?: string;
}

/** What the catalog holds per date and stream, computed by the database without loading the rows. */
export async function summarizeCatalog(
  orm: CatalogOrm,
  { from = '0000-00-00', to = '9999-12-31', terminal }: CatalogSummaryOptions = {},
): Promise<CatalogDay[]> {
  const rows = await orm.em.getConnection().execute<Record<string, unknown>[]>(
    `select day as date, stream, count(*) as frames, sum(file_size) as bytes,
            min(captured_at) as first, max(captured_at) as last,
            coalesce(max(gap), 0) as "largestGapSeconds", sum(case when variant = 'thumbnail' then 1 else 0 end) as "thumbnailsOnly"
       from (select substr(captured_at, 1, 10) as day, stream, captured_at, file_size, variant,
                    ${secondsBetween(orm, 'captured_at', 'lag(captured_at) over (partition by terminal, stream, substr(captured_at, 1, 10) order by captured_at)')} as gap
               from images
              where captured_at >= ? and captured_at < ? and (? is null or terminal = ?)) as frames_of_day
      group by day, stream
      order by day, stream`,
    [from, `${to}T99`, terminal ?? null, terminal ?? null],
  );
  return rows.map((row) => ({
    date: String(row.date),
    stream: String(row.stream),
    frames: Number(row.frames),
    bytes: Number(row.bytes),
    first: String(row.first),
    last: String(row.last),
    largestGapSeconds: Number(row.largestGapSeconds),
    thumbnailsOnly: Number(row.thumbnailsOnly),
  }));
}

/** Every stream the catalog holds a frame of, in name order. */
export async function streamsOf(orm: CatalogOrm): Promise<string[]> {
  const rows = await orm.em.getConnection().execute<Record<string, unknown>[]>('select distinct stream from images order by stream');
  return rows.map((row) => String(row.stream));
}

/** The capture time of the newest cataloged frame of each stream of `terminal`. */
export async function newestFrames(orm: CatalogOrm, terminal: string): Promise<Record<string, string>> {
  const rows = await orm.em
    .getConnection()
    .execute<{ stream: string; newest: string }[]>(
      'select stream, max(captured_at) as newest from images where terminal = ? group by stream',
      [terminal],
    );
  return Object.fromEntries(rows.map((row) => [String(row.stream), String(row.newest)]));
}
