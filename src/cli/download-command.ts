import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { count, lastValueFrom, map, reduce, toArray, type OperatorFunction } from 'rxjs';
import type { Argv } from 'yargs';
import { InputError } from '../errors.ts';
import { defaultReportPath, saveReportFile, type DownloadReport } from '../report/json-report.ts';
import { isObjectStoreUrl, parseObjectStoreUrl } from '../storage/archive-location.ts';
import { afterStop, assertArchiveReachable, plannedFrames, runDownload, type DownloadOptions } from '../download.ts';
import { dateRange } from '../sources/date-range.ts';
import { frameRangeCount } from '../sources/frame-range.ts';
import { catalogDiscoveryCache } from '../catalog/discovery-cache.ts';
import { withoutCredentials } from '../operators/build-urls.ts';
import { assertBrowserAvailable } from '../discovery/browser.ts';
import { assertHtmlReportPath, reportDateRange, writeHtmlReportOfCatalog } from '../report/html-report.ts';
import { assertCatalogLocation, openCatalog } from '../catalog/open-catalog.ts';
import { catalogExists, isPostgresUrl, shownCatalog, sqlitePathOf } from '../catalog/catalog-location.ts';
import { ExitCode } from './exit-codes.ts';
import { listenForInterruption } from './interruption.ts';
import { formatTable } from '../report/format.ts';
import { isInteractive, type CliIo } from './io.ts';
import { createLogger, logLevelOf, type LogOptions } from './logger.ts';
import { fetchOptions, fetchSettingsOf } from './fetch-options.ts';
import { browserOptionsOf, dateRangeOptions, historyPageOptions, jsonOption } from './option-groups.ts';
import { wholeNumber } from './options.ts';
import { createProgress, progressOptions } from './progress.ts';
import { StatusLine } from './status-line.ts';
import { emptyDateWarnings, formatSummary, printSummary, staleFrameWarnings } from './summary.ts';
import { shortDayWarnings } from '../discovery/completeness.ts';
import { DEFAULTS } from '../settings.ts';
import { frameFilePath } from '../frame/layout.ts';
import type { FrameItem, FrameRef } from '../items.ts';
import { startDownloadDashboard } from '../dashboard/start-dashboard.ts';
import { uiOptions, uiSettingsOf } from './ui-options.ts';

export function downloadOptions<T>(yargs: Argv<T>) {
  return (
    historyPageOptions(jsonOption(uiOptions(progressOptions(fetchOptions(dateRangeOptions(yargs)))), 'the report'), {
      when: 'with --discover',
    })
      .option('report', { type: 'string', describe: 'JSON report path (default: <out>/reports/download-<UTC time>.json)' })
      .option('html', { type: 'string', describe: 'At the end, write the HTML coverage report of the dates downloaded to PATH' })
      .option('max-per-date', { coerce: wholeNumber('--max-per-date', 0), describe: 'At most N frames per date and stream' })
      .option('frames', { type: 'string', describe: 'Take frames from FILE (CDN URLs or "<stream> <YYYY-MM-DDTHH:MM:SS>" lines)' })
      // discovery of the real frame times (see discover-command.ts)
      .option('discover', {
        type: 'boolean',
        default: false,
        describe: 'Read the real frame times of each date from the camera history page (headless Chromium) instead of the grid',
      })
      .option('rediscover', {
        type: 'boolean',
        default: false,
        describe: 'With --discover: read the pages of dates kept from earlier runs again',
      })
      .option('recheck-missing', { type: 'boolean', default: false, describe: 'Ask again for frames earlier runs found missing for good' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Print the plan and fetch nothing' })
  );
}

type DownloadArgs = Awaited<ReturnType<typeof downloadOptions>['argv']> & LogOptions;

function optionsOf(args: DownloadArgs): DownloadOptions {
  return {
    ...fetchSettingsOf(args),
    from: args.from,
    to: args.to,
    maxPerDate: args.maxPerDate,
    framesFile: args.frames,
    discover: args.discover ? { pageUrl: args.pageUrl, browser: browserOptionsOf(args, process.env) } : undefined,
    recheckMissing: args.recheckMissing,
    rediscover: args.rediscover,
  };
}

/** Refuses to replace a file at `--report` that is not a draydog report. */
function assertReportPath(path: string): void {
  if (!existsSync(path)) return;
  let ours = false;
  try {
    const existing = JSON.parse(readFileSync(path, 'utf8'));
    ours = typeof existing === 'object' && existing !== null && 'stats' in existing && 'config' in existing;
  } catch {
    ours = false;
  }
  if (!ours) throw new InputError(`invalid --report "${path}": the file exists and is not a draydog report`);
}

/** Refuses a folder that cannot be created or written (e.g. a path under a regular file), without creating anything. */
function assertCreatableFolder(path: string, flag: string, given = path): void {
  let existing = resolve(path);
  while (!existsSync(existing)) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) throw new InputError(`invalid ${flag} "${given}": ${existing} is not a folder`);
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw new InputError(`invalid ${flag} "${given}": ${existing} is not writable`);
  }
}

interface PlanRow {
  date: string;
  stream: string;
  frames: number;
  onDisk: number;
}

/** Whether each planned frame is in the archive already: a file there, or an object (each date/stream prefix listed once). */
async function inArchive(
  options: DownloadOptions,
  out: string,
): Promise<OperatorFunction<FrameItem, { frame: FrameRef; archived: boolean }>> {
  if (!isObjectStoreUrl(out)) return map(({ frame }) => ({ frame, archived: existsSync(frameFilePath(out, frame)) }));
  // the S3 SDK is imported only for a bucket: it is a chunk of its own in the command line's bundle
  return (await import('../storage/object-store-archive.ts')).objectsInBucket({ ...options, out });
}

async function printPlan(io: CliIo, options: DownloadOptions, asJson: boolean): Promise<void> {
  const out = options.out ?? DEFAULTS.out;
  // a bucket that is missing or refuses the key is said as for a real run
  if (isObjectStoreUrl(out)) await assertArchiveReachable({ ...options, out });
  const rows = await lastValueFrom(
    plannedFrames(options).pipe(
      await inArchive(options, out),
      reduce((plan, { frame, archived }) => {
        const key = `${frame.date}/${frame.stream}`;
        const row = plan.get(key) ?? { date: frame.date, stream: frame.stream, frames: 0, onDisk: 0 };
        row.frames += 1;
        if (archived) row.onDisk += 1;
        return plan.set(key, row);
      }, new Map<string, PlanRow>()),
      map((plan) => [...plan.values()].map((row) => ({ ...row, toFetch: row.frames - row.onDisk }))),
    ),
  );
  if (asJson) {
    io.stdout.write(`${JSON.stringify({ dryRun: true, plan: rows })}\n`);
    return;
  }
  const total = (key: 'frames' | 'onDisk' | 'toFetch') => String(rows.reduce((sum, row) => sum + row[key], 0));
  const table = [
    ['date', 'stream', 'frames', isObjectStoreUrl(out) ? 'in bucket' : 'on disk', 'to fetch'],
    ...rows.map((row) => [row.date, row.stream, String(row.frames), String(row.onDisk), String(row.toFetch)]),
    ['total', '', total('frames'), total('onDisk'), total('toFetch')],
  ];
  io.stdout.write(`${formatTable(table)}\n`);
}

/** Whether a `--discover` run must read some date's history page: dates the catalog kept from earlier runs need no browser. */
async function someDateNeedsBrowsing(options: DownloadOptions, dbPath: string): Promise<boolean> {
  if (!options.from || !catalogExists(dbPath)) return true;
  assertCatalogLocation(dbPath);
  const { streams = DEFAULTS.streams, terminal = DEFAULTS.terminal } = options;
  const orm = await openCatalog({ dbPath });
  try {
    const cache = catalogDiscoveryCache(orm);
    for (const date of await lastValueFrom(dateRange(options.from, options.to ?? options.from).pipe(toArray()))) {
      if (!(await cache.load(date, terminal, streams))) return true;
    }
    return false;
  } finally {
    await orm.close();
  }
}

/** Whether a run changed anything worth a report of its own: a rerun that found everything in place writes none. */
// a run that changed nothing is not worth a report, unless it found something wrong: a whole day
// and stream without a frame, or a day its history page listed short
const somethingHappened = ({ stats, interrupted, stopReason, emptyDateStreams, discovery = [] }: DownloadReport) =>
  stats.downloaded > 0 ||
  stats.failed > 0 ||
  interrupted ||
  Boolean(stopReason) ||
  emptyDateStreams.length > 0 ||
  discovery.some(({ status }) => status !== 'complete');

/** `draydog download`: the default pipeline with progress, a summary, a report and exit codes. */
export async function download(args: DownloadArgs, io: CliIo): Promise<number> {
  const options = optionsOf(args);
  // the bar needs a terminal, and -q (errors only) hides it
  const showBar = isInteractive(io) && (args.progress ?? 'bar') === 'bar' && ['trace', 'debug', 'info'].includes(logLevelOf(args));
  const statusLine = showBar ? new StatusLine(io.stderr) : undefined;
  const logger = createLogger(io, args, statusLine);
  if (args.discover && args.frames) throw new InputError('invalid --discover with --frames: take frames from one of them');
  if (args.progress === 'json' && args.json) throw new InputError('invalid --progress=json with --json: stdout carries one of them');
  plannedFrames(options); // validates the dates before the browser is looked for
  // a dry run opens no catalog: it only says what a run would do
  if (options.discover && (args.dryRun || args.rediscover || (await someDateNeedsBrowsing(options, args.db))))
    await assertBrowserAvailable(options.discover.browser ?? {});
  // the grid's frames are counted, not made: a range of centuries is counted at once
  // (discovered frames are not known before the pages are read: the grid's count is the best guess)
  const total =
    args.from && !args.frames
      ? frameRangeCount({ ...options, from: args.from })
      : await lastValueFrom(plannedFrames(options).pipe(count()));
  if (args.dryRun) {
    await printPlan(io, options, args.json);
    return ExitCode.ok;
  }
  const out = options.out ?? DEFAULTS.out;
  const inBucket = isObjectStoreUrl(out);
  // a bucket holds frames only: the reports of a run into one go to the default archive's folder
  const reportPath = args.report ?? defaultReportPath(inBucket ? dirname(DEFAULTS.out) : out);
  if (args.report) assertReportPath(reportPath);
  assertCatalogLocation(args.db);
  if (inBucket) parseObjectStoreUrl(out);
  else assertCreatableFolder(out, '--out');
  if (!isPostgresUrl(args.db)) assertCreatableFolder(dirname(sqlitePathOf(args.db)), '--db', args.db);
  assertCreatableFolder(dirname(reportPath), '--report', reportPath);
  if (args.html) {
    assertHtmlReportPath(args.html);
    assertCreatableFolder(dirname(args.html), '--html', args.html);
  }

  // a bucket that is missing or refuses the key is bad input, said before anything else
  if (inBucket) await assertArchiveReachable(options);
  // opened here, before anything is said or written, so another application's database is refused first
  const orm = await openCatalog({ dbPath: args.db });
  const interruption = listenForInterruption(logger, 'the frames');
  logger.info({ total, out, db: shownCatalog(args.db), baseUrl: withoutCredentials(args.baseUrl).baseUrl }, `downloading ${total} frames`);
  const progress = createProgress(io, logger, total, { mode: args.progress, statsEveryMs: args.stats, statusLine });
  const ui = uiSettingsOf(args);
  const range = args.from && !args.frames ? { from: args.from, to: args.to ?? args.from } : undefined;
  const dashboard =
    ui &&
    (await startDownloadDashboard({
      ui,
      env: io.env,
      logger,
      orm,
      out,
      total,
      range,
      terminal: options.terminal,
      intervalMinutes: options.intervalMinutes,
    }));
  try {
    const ran = await runDownload({
      ...options,
      orm,
      reportPath: args.report,
      logger,
      signal: interruption.drain,
      abortSignal: interruption.cancel,
      onProgress: (tally) => {
        progress.update(tally);
        dashboard?.hooks.onProgress(tally);
      },
      onOutcome: (item) => {
        progress.outcome(item);
        dashboard?.hooks.onOutcome(item);
      },
      onRetry: () => {
        progress.retried();
        dashboard?.hooks.onRetry();
      },
    });
    progress.stop();
    await dashboard?.finish(ran);
    const report = { ...ran, config: { ...ran.config, reportPath } };
    const savedAt =
      args.report ??
      (somethingHappened(report)
        ? await saveReportFile(reportPath, report).catch((error: unknown) => Promise.reject(afterStop(report.stopReason, error)))
        : undefined);
    // --html: the coverage report of the dates downloaded, named in the summary; failing to write it does not fail the download
    const range = args.from ? { from: args.from, to: args.to ?? args.from } : reportDateRange(report.perDateStream);
    const htmlPath = args.html
      ? await writeHtmlReportOfCatalog(args.db, args.html, { ...range, discovery: report.discovery }).catch(
          (error: Error) => void logger.error(`could not write --html ${args.html}: ${error.message}`),
        )
      : undefined;
    // warnings of their own, so that a log shipper sees them at the warning level
    for (const warning of emptyDateWarnings(report)) logger.warn(warning);
    for (const warning of staleFrameWarnings(report)) logger.warn(warning);
    for (const { level, message } of shortDayWarnings(report.discovery ?? [])) logger[level](message);
    const summary = formatSummary(report, savedAt) + (htmlPath ? `\nHTML report: ${htmlPath}` : '');
    printSummary(io, logger, summary, { stats: report.stats, report: savedAt ?? null, ...(htmlPath ? { html: htmlPath } : {}) });
    if (args.json) io.stdout.write(`${JSON.stringify(report)}\n`);
    if (report.stopReason) return ExitCode.framesFailed;
    if (report.interrupted) return ExitCode.interrupted;
    // a day the history page listed short is not a complete archive, however well its frames downloaded
    const shortDay = report.discovery?.some(({ status }) => status === 'incomplete');
    if (report.stats.failed > 0 || shortDay) return ExitCode.framesFailed;
    return report.stats.requested > 0 && report.stats.notFound === report.stats.requested ? ExitCode.nothingFound : ExitCode.ok;
  } finally {
    progress.stop();
    interruption.dispose();
    await dashboard?.close();
    await orm.close();
  }
}
