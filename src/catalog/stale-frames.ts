import type { CatalogOrm } from './catalog-location.ts';
import type { CatalogSummaryOptions } from './summary.ts';

/** Consecutive frames of one stream and date with the same bytes: a camera that hung and kept serving one picture. */
export interface StaleRun {
  readonly terminal: string;
  readonly stream: string;
  readonly date: string;
  /** UTC capture times of the first and last frame of the run, `YYYY-MM-DDTHH:MM:SS`. */
  readonly first: string;
  readonly last: string;
  /** Frames in the run, at least 2. */
  readonly frames: number;
  readonly sha256: string;
}

/** The runs of identical frames (same sha256, one after the other in time) per stream and date, found by the database. */
export async function staleRuns(
  orm: CatalogOrm,
  { from = '0000-00-00', to = '9999-12-31', terminal }: CatalogSummaryOptions = {},
): Promise<StaleRun[]> {
  // gaps and islands: a frame whose sha256 differs from the one before it starts a run, and a running sum of those starts numbers the runs
  const rows = await orm.em.getConnection().execute<Record<string, unknown>[]>(
    `with ordered as (
       select terminal, stream, substr(captured_at, 1, 10) as day, captured_at, sha256,
              case when sha256 = lag(sha256) over (partition by terminal, stream, substr(captured_at, 1, 10) order by captured_at)
                   then 0 else 1 end as starts_run
         from images
        where captured_at >= ? and captured_at < ? and (? is null or terminal = ?)),
     numbered as (
       select *, sum(starts_run) over (partition by terminal, stream, day order by captured_at rows unbounded preceding) as run
         from ordered)
     select terminal, stream, day as date, min(captured_at) as first, max(captured_at) as last, count(*) as frames, min(sha256) as sha256
       from numbered
      group by terminal, stream, day, run
     having count(*) > 1
      order by day, stream, terminal, first`,
    [from, `${to}T99`, terminal ?? null, terminal ?? null],
  );
  return rows.map((row) => ({
    terminal: String(row.terminal),
    stream: String(row.stream),
    date: String(row.date),
    first: String(row.first),
    last: String(row.last),
    frames: Number(row.frames),
    sha256: String(row.sha256),
  }));
}

/** The runs keyed `<YYYY-MM-DD>/<stream>`, as a download report keys its dates and streams. */
export function staleRunsByDateStream(runs: readonly StaleRun[]): Record<string, Omit<StaleRun, 'date' | 'stream'>[]> {
  const byKey: Record<string, Omit<StaleRun, 'date' | 'stream'>[]> = {};
  for (const { date, stream, ...run } of runs) {
    byKey[`${date}/${stream}`] ??= [];
    byKey[`${date}/${stream}`].push(run);
  }
  return byKey;
}

/** One line per run: `in_gate 2025-09-01 10:00:00 to 10:50:00: 6 identical frames`. */
export function describeStaleRun({ stream, date, first, last, frames }: StaleRun): string {
  return `${stream} ${date} ${first.slice(11)} to ${last.slice(11)}: ${frames} identical frames in a row`;
}
