import { existsSync } from 'node:fs';
import type { Argv } from 'yargs';
import { InputError, parseDate } from '../frame-time.ts';
import { summarizeCatalog, type CatalogDay } from '../sinks/catalog-summary.ts';
import { describeStaleRun, staleRuns } from '../sinks/stale-frames.ts';
import { assertHtmlReportPath, writeHtmlReport } from '../sinks/html-report.ts';
import { DEFAULT_DB_PATH, openCatalog } from '../sinks/open-catalog.ts';
import { ExitCode } from './exit-codes.ts';
import { formatBytes, formatTable } from '../format.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { printSummary } from './summary.ts';

export function reportOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('db', { type: 'string', default: DEFAULT_DB_PATH, describe: 'SQLite catalog' })
    .option('from', { type: 'string', describe: 'First date, YYYY-MM-DD (UTC)' })
    .option('to', { type: 'string', describe: 'Last date, inclusive' })
    .option('json', { type: 'boolean', default: false, describe: 'Print the rows as one JSON document' })
    .option('html', { type: 'string', describe: 'Also write a self-contained HTML coverage report (heatmap of days x hours per stream, gaps) to PATH' });
}

type ReportArgs = Awaited<ReturnType<typeof reportOptions>['argv']> & LogOptions;

function formatGap(seconds: number): string {
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** `draydog report`: what the catalog holds per date and stream. */
export async function report(args: ReportArgs, io: CliIo): Promise<number> {
  const from = args.from === undefined ? undefined : parseDate(args.from, '--from date');
  const to = args.to === undefined ? undefined : parseDate(args.to, '--to date');
  if (from !== undefined && to !== undefined && to < from) throw new InputError(`invalid date range: --to ${args.to} is before --from ${args.from}`);
  if (!existsSync(args.db)) throw new InputError(`invalid --db "${args.db}": no catalog there`);
  if (args.html) assertHtmlReportPath(args.html);
  const orm = await openCatalog({ dbPath: args.db });
  try {
    const days = await summarizeCatalog(orm, { from: args.from, to: args.to });
    const runs = await staleRuns(orm, { from: args.from, to: args.to });
    if (args.html) {
      const html = await writeHtmlReport(orm, args.html, { from: args.from, to: args.to });
      printSummary(io, createLogger(io, args), `HTML report: ${html}`, { html });
    }
    if (args.json) {
      const runsOf = (day: CatalogDay) => runs.filter((run) => run.date === day.date && run.stream === day.stream).map(({ date, stream, ...run }) => run);
      io.stdout.write(`${JSON.stringify(days.map((day) => ({ ...day, staleRuns: runsOf(day) })))}\n`);
      return ExitCode.ok;
    }
    const table = [
      ['date', 'stream', 'frames', 'bytes', 'first', 'last', 'largest gap', 'thumbnails only'],
      ...days.map((day) => [
        day.date,
        day.stream,
        String(day.frames),
        formatBytes(day.bytes),
        day.first.slice(11),
        day.last.slice(11),
        formatGap(day.largestGapSeconds),
        String(day.thumbnailsOnly),
      ]),
    ];
    io.stdout.write(days.length === 0 ? 'The catalog holds no frames in that range.\n' : `${formatTable(table)}\n`);
    if (runs.length > 0) io.stdout.write(`\nIdentical frames in a row (a camera that hung keeps serving one picture):\n${runs.map(describeStaleRun).join('\n')}\n`);
    return ExitCode.ok;
  } finally {
    await orm.close();
  }
}
