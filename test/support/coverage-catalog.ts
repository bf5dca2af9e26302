import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { formatTimestamp, parseDate } from '../../src/frame/time.ts';
import { openCatalog } from '../../src/catalog/open-catalog.ts';
import { upsertImages, type ImageRow } from '../../src/catalog/images.ts';

const TEN_MINUTES = 600_000;

/** Rows for the grid frames of `date` from `fromTime` to `toTime` (inclusive, `HH:MM`), minus `except` (`HH:MM`). */
export function gridRows(
  stream: string,
  date: string,
  { fromTime = '00:00', toTime = '23:50', except = [] as string[], thumbnails = [] as string[] } = {},
): ImageRow[] {
  const start = parseDate(date);
  const rows: ImageRow[] = [];
  for (let time = start; time < start + 86_400_000; time += TEN_MINUTES) {
    const capturedAt = formatTimestamp(time);
    const clock = capturedAt.slice(11, 16);
    if (clock < fromTime || clock > toTime || except.includes(clock)) continue;
    rows.push({
      terminal: 'apm',
      stream,
      capturedAt,
      filePath: join('/archive', date, stream, `${capturedAt.replace(/[-T:]/g, '')}_${stream}.jpg`),
      fileSize: 100_000,
      // every frame a picture of its own: a camera that works
      sha256: createHash('sha256').update(`${stream}/${capturedAt}`).digest('hex'),
      sourceUrl: null,
      variant: thumbnails.includes(clock) ? 'thumbnail' : 'full',
      downloadedAt: '2025-09-04T00:00:00.000Z',
    });
  }
  return rows;
}

const morning = ['06', '07', '08', '09', '10'].flatMap((hour) => ['00', '10', '20', '30', '40', '50'].map((minute) => `${hour}:${minute}`));

/**
 * A catalog whose coverage is known, reported at 2025-09-03T12:05:00:
 * in_gate — 09-01 with its camera down from 06:00 to 10:50 and two thumbnails-only frames at 12:00 and 12:10,
 * 09-02 never fetched, 09-03 up to 12:00; out_gate — every frame up to 09-03 12:00 except 09-01 15:30.
 * The CDN answered missing the frames of in_gate's morning; out_gate's 15:30 was never asked for.
 */
export const KNOWN_NOW = '2025-09-03T12:05:00';

export async function writeKnownCatalog(dbPath: string): Promise<void> {
  const orm = await openCatalog({ dbPath });
  try {
    await upsertImages(orm, [
      ...gridRows('in_gate', '2025-09-01', { except: morning, thumbnails: ['12:00', '12:10'] }),
      ...gridRows('in_gate', '2025-09-03', { toTime: '12:00' }),
      ...gridRows('out_gate', '2025-09-01', { except: ['15:30'] }),
      ...gridRows('out_gate', '2025-09-02'),
      ...gridRows('out_gate', '2025-09-03', { toTime: '12:00' }),
    ]);
    for (const clock of morning) {
      await orm.em
        .getConnection()
        .execute('insert into cdn_missing_frames (base_url, terminal, stream, captured_at, checked_at) values (?, ?, ?, ?, ?)', [
          'http://cdn.test',
          'apm',
          'in_gate',
          `2025-09-01T${clock}:00`,
          '2025-09-04T00:00:00.000Z',
        ]);
    }
  } finally {
    await orm.close();
  }
}
