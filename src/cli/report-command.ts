import type { Argv } from 'yargs';
import { DAY_MS, formatDate, parseDate } from '../frame/time.ts';
import { InputError } from '../errors.ts';
import { streamsOf, summarizeCatalog, type CatalogDay } from '../catalog/summary.ts';
import { describeStaleRun, staleRuns } from '../catalog/stale-frames.ts';
import { assertHtmlReportPath, percent, writeHtmlReport } from '../report/html-report.ts';
import { slotsBetween } from '../catalog/coverage.ts';
import { catalogExists } from '../catalog/catalog-location.ts';
import { openCatalog } from '../catalog/open-catalog.ts';
import { ExitCode } from './exit-codes.ts';
import { formatBytes, formatTable } from '../report/format.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { printSummary } from './summary.ts';
import { catalogOption, dateRangeOptions, jsonOption } from './option-groups.ts';

export function reportOptions<T>(yargs: Argv<T>) {
  return jsonOption(dateRangeOptions(catalogOption(yargs), { toDefault: '' }), 'the rows').option('html', {
    type: 'string',
    describe: 'Also write a self-contained HTML coverage report (heatmap of days x hours per stream, gaps) to PATH',
  });
}

type ReportArgs = Awaited<ReturnType<typeof reportOptions>['argv']> & LogOptions;

/** A row of the text and JSON report: what the catalog holds of a date and stream against the frames the grid expects. */
interface ReportRow extends Omit<CatalogDay, 'first' | 'last'> {
  readonly first: string | null;
  readonly last: string | null;
  readonly expected: number;
}

const INTERVAL_MS = 600_000;

/** Frames the 10-minute grid expects on `date`: 144, fewer today (slots not due yet do not count). */
function expectedOn(date: string, now: number): number {
  const start = parseDate(date);
  return slotsBetween(start, start + DAY_MS, INTERVAL_MS, now);
}

/** The catalog's rows with their expected frames, and a row of nothing for every requested date and stream the catalog has no frame of. */
function reportRows(days: readonly CatalogDay[], requested: readonly string[], streams: readonly string[], now: number): ReportRow[] {
  const held = new Map(days.map((day) => [`${day.date}/${day.stream}`, day]));
  const keys = new Set([...held.keys(), ...requested.flatMap((date) => streams.map((stream) => `${date}/${stream}`))]);
  return [...keys].sort().map((key) => {
    const [date, stream] = key.split('/');
    const expected = expectedOn(date, now);
    return {
      ...(held.get(key) ?? { date, stream, frames: 0, bytes: 0, first: null, last: null, largestGapSeconds: 0, thumbnailsOnly: 0 }),
      expected,
    };
  });
}

/** `YYYY-MM-DD` dates from `from` to `to`, inclusive. */
function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let day = parseDate(from); day <= parseDate(to); day += DAY_MS) dates.push(formatDate(day));
  return dates;
}

function formatGap(seconds: number): string {
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** `draydog report`: what the catalog holds per date and stream. */
export async function report(args: ReportArgs, io: CliIo): Promise<number> {
  const from = args.from === undefined ? undefined : parseDate(args.from, '--from date');
  const to = args.to === undefined ? undefined : parseDate(args.to, '--to date');
  if (from !== undefined && to !== undefined && to < from)
    throw new InputError(`invalid date range: --to ${args.to} is before --from ${args.from}`);
  if (!catalogExists(args.db)) throw new InputError(`invalid --db "${args.db}": no catalog there`);
  if (args.html) assertHtmlReportPath(args.html);
  const orm = await openCatalog({ dbPath: args.db });
  try {
    const days = await summarizeCatalog(orm, { from: args.from, to: args.to });
    const runs = await staleRuns(orm, { from: args.from, to: args.to });
    // a requested date without any frame is a row of its own, for every stream the catalog knows
    // with --from alone, the requested dates run to the last date held
    const requested = args.from ? datesBetween(args.from, args.to ?? [args.from, ...days.map((day) => day.date)].sort().at(-1)!) : [];
    const rows = reportRows(days, requested, await streamsOf(orm), Date.now());
    if (args.html) {
      const html = await writeHtmlReport(orm, args.html, { from: args.from, to: args.to });
      printSummary(io, createLogger(io, args), `HTML report: ${html}`, { html });
    }
    if (args.json) {
      const runsOf = (day: ReportRow) =>
        runs.filter((run) => run.date === day.date && run.stream === day.stream).map(({ date, stream, ...run }) => run);
      io.stdout.write(`${JSON.stringify(rows.map((day) => ({ ...day, staleRuns: runsOf(day) })))}\n`);
      return ExitCode.ok;
    }
    const total = (key: 'frames' | 'expected' | 'bytes' | 'thumbnailsOnly') => rows.reduce((sum, row) => sum + row[key], 0);
    const table = [
      ['date', 'stream', 'frames', 'expected', '%', 'bytes', 'first', 'last', 'largest gap', 'thumbnails only'],
      ...rows.map((day) => [
        day.date,
        day.stream,
        String(day.frames),
        String(day.expected),
        percent(day.frames, day.expected),
        formatBytes(day.bytes),
        day.first?.slice(11) ?? '-',
        day.last?.slice(11) ?? '-',
        day.first ? formatGap(day.largestGapSeconds) : '-',
        String(day.thumbnailsOnly),
      ]),
      [
        'total',
        '',
        String(total('frames')),
        String(total('expected')),
        percent(total('frames'), total('expected')),
        formatBytes(total('bytes')),
        '',
        '',
        '',
        String(total('thumbnailsOnly')),
      ],
    ];
    io.stdout.write(rows.length === 0 ? 'The catalog holds no frames in that range.\n' : `${formatTable(table)}\n`);
    if (runs.length > 0)
      io.stdout.write(
        `\nIdentical frames in a row (a camera that hung keeps serving one picture):\n${runs.map(describeStaleRun).join('\n')}\n`,
      );
    return ExitCode.ok;
  } finally {
    await orm.close();
  }
}
