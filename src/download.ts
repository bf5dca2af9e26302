import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { isPostgresUrl, shownCatalog, sqlitePathOf, type CatalogOrm } from './catalog/catalog-location.ts';
import type { AxiosInstance } from 'axios';
import type { Logger } from 'pino';
import { from, identity, isObservable, lastValueFrom, of, pipe, tap, type Observable } from 'rxjs';
import { CatalogGoneError, InputError, StoppedError } from './errors.ts';
import { createHttpClient, type HttpClientOptions } from './http/http-client.ts';
import { createRequestGate, type RequestGate } from './http/request-gate.ts';
import { isOutcome, type FrameItem, type OutcomeItem, type PipelineItem } from './items.ts';
import { buildUrls, withoutCredentials } from './operators/build-urls.ts';
import { circuitBreaker } from './operators/circuit-breaker.ts';
import { concurrently } from './operators/concurrently.ts';
import { fetchFrames } from './operators/fetch-frames.ts';
import { limitPerDate } from './operators/limit-per-date.ts';
import { pullConcurrently } from './operators/pull-concurrently.ts';
import { skipExisting } from './operators/skip-existing.ts';
import { skipKnownMissing } from './operators/skip-known-missing.ts';
import { collectStats, type DownloadTally, type OutcomeCounts } from './sinks/collect-stats.ts';
import type { DayReading } from './discovery/completeness.ts';
import { catalogDiscoveryCache } from './catalog/discovery-cache.ts';
import { loadKnownMissing } from './catalog/known-missing.ts';
import { assertCatalogLocation, openCatalog } from './catalog/open-catalog.ts';
import { saveToCatalog } from './sinks/save-to-catalog.ts';
import { catalogedOnDateOf, type ReadFrame } from './catalog/images.ts';
import { writeReport } from './sinks/write-report.ts';
import type { DownloadReport } from './report/json-report.ts';
import { reportDateRange } from './report/html-report.ts';
import { staleRuns, type StaleRun } from './catalog/stale-frames.ts';
import { writeToDisk } from './sinks/write-to-disk.ts';
import { isObjectStoreUrl } from './storage/archive-location.ts';
import { dateRange } from './sources/date-range.ts';
import { discoverFrames, type DiscoverFramesOptions } from './sources/discover-frames.ts';
import { frameRangeOnDemand } from './sources/frame-range.ts';
import { framesFromFile } from './sources/frames-from-file.ts';
import { DEFAULTS, resolveFetchSettings, type FetchSettings } from './settings.ts';

export interface DownloadOptions extends Partial<FetchSettings> {
  /** First date, `YYYY-MM-DD` (UTC); required unless `framesFile` or `frames` is given. */
  readonly from?: string;
  /** Last date, inclusive; defaults to `from`. */
  readonly to?: string;
  /** Frame references from a file instead of the grid (see `framesFromFile`). */
  readonly framesFile?: string;
  /** Frames of `from`..`to` discovered on the camera history page in headless Chromium instead of the grid (see `discoverFrames`). */
  readonly discover?: Pick<DiscoverFramesOptions, 'pageUrl' | 'browser' | 'signal' | 'cache' | 'onDayRead'>;
  /** With `discover`: read the pages of dates the catalog kept from earlier runs again. */
  readonly rediscover?: boolean;
  /** Frame references from any source instead of the grid. */
  readonly frames?: Observable<FrameItem>;
  /** Where the JSON report goes; no report file without it. */
  readonly reportPath?: string;
  readonly maxPerDate?: number;
  /** Ask again for frames that earlier runs found missing for good (by default they are not requested). */
  readonly recheckMissing?: boolean;
  readonly http?: AxiosInstance;
  /** What every request passes through (rate, bandwidth, Retry-After pauses); by default one of this run's own from its settings. */
  readonly gate?: RequestGate;
  /** An open catalog to use instead of opening `dbPath`; left open. */
  readonly orm?: CatalogOrm;
  /** Aborting stops new requests; frames in flight finish, and the report says `interrupted`. */
  readonly signal?: AbortSignal;
  /** Aborting cancels the requests in flight too (their frames fail as interrupted). */
  readonly abortSignal?: AbortSignal;
  readonly onProgress?: (tally: DownloadTally) => void;
  /** Called with each frame's outcome as it comes. */
  readonly onOutcome?: (item: OutcomeItem) => void;
  readonly onRetry?: () => void;
  readonly logger?: Logger;
}

function assertWritableFolder(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new InputError(`invalid output folder "${path}": ${(error as NodeJS.ErrnoException).code ?? 'not writable'}`);
  }
}

/**
 * Where a download's frames come from: the grid as frames made on demand (pulled as slots free, so
 * its memory does not depend on the range), any other source as an observable. Validates the
 * options that shape them.
 */
function frameSupply(options: DownloadOptions): Iterable<FrameItem> | Observable<FrameItem> {
  const { streams = DEFAULTS.streams, terminal = DEFAULTS.terminal, intervalMinutes = DEFAULTS.intervalMinutes, maxPerDate } = options;
  const frames = options.frames
    ? options.frames
    : options.framesFile
      ? framesFromFile(options.framesFile, { terminal })
      : options.from
        ? options.discover
          ? dateRange(options.from, options.to ?? options.from).pipe(discoverFrames({ ...options.discover, streams, terminal }))
          : frameRangeOnDemand({ from: options.from, to: options.to, streams, terminal, intervalMinutes, maxPerDate })
        : undefined;
  if (!frames) throw new InputError('missing --from: give a first date (YYYY-MM-DD) or a frames file');
  if (!isObservable(frames)) return frames;
  return frames.pipe(maxPerDate === undefined ? identity : limitPerDate(maxPerDate));
}

/** The frames a download would handle, before anything is fetched. Validates the options that shape them. */
export function plannedFrames(options: DownloadOptions): Observable<FrameItem> {
  const frames = frameSupply(options);
  return isObservable(frames) ? frames : from(frames);
}

/**
 * Where a run's frames go, by its `out` location: a folder (written by `writeToDisk`, skipped by
 * `skipExisting`) or `s3://bucket/prefix` (uploaded by `writeToObjectStore`, skipped by
 * `skipExistingObjects`). `ready` refuses a location that cannot take frames (a folder that is not
 * writable; a bucket missing, or a key the server refuses) with an InputError, before anything is
 * fetched; `close` lets go of the S3 client.
 */
async function archiveOf(settings: FetchSettings, options: DownloadOptions, orm: () => CatalogOrm) {
  const { out } = settings;
  if (!isObjectStoreUrl(out)) {
    return {
      ready: async () => assertWritableFolder(out),
      root: out as string | undefined,
      readFrame: undefined as ReadFrame | undefined,
      write: () => writeToDisk({ root: out, concurrency: 1, fsync: options.fsync }),
      skip: () =>
        skipExisting({
          root: out,
          catalogedOn: (frame) => catalogedOnDateOf(orm(), frame),
          onMovedAside: (path, aside, defect) =>
            options.logger?.warn(
              { path, aside, defect },
              `${path} was not a whole JPEG (${defect}): moved aside, fetching the frame again`,
            ),
        }),
      close: () => {},
    };
  }
  // the S3 SDK is imported only for a bucket: it is a chunk of its own in the command line's bundle
  const { objectStoreArchive } = await import('./storage/object-store-archive.ts');
  return objectStoreArchive({ out, s3Endpoint: settings.s3Endpoint, s3PathStyle: settings.s3PathStyle });
}

/**
 * Refuses an `out` that cannot take frames (see `archiveOf`) with an InputError: a folder that is not
 * writable, a bucket that is missing or refuses the key. Nothing is fetched.
 */
export async function assertArchiveReachable(options: Pick<DownloadOptions, 'out' | 's3Endpoint' | 's3PathStyle'>): Promise<void> {
  const archive = await archiveOf(resolveFetchSettings(options), {}, () => {
    throw new Error('no catalog to check the archive against');
  });
  try {
    await archive.ready();
  } finally {
    archive.close();
  }
}

/** Write errors about one frame's file name (see `writeToDisk`'s failures), not about the disk. */
const frameNameRefused = /: (ENAMETOOLONG|EILSEQ)$/;

/** The default pipeline: frames → URLs → skip what is on disk or known missing → fetch + write → catalog → stats → report. */
export async function runDownload(options: DownloadOptions): Promise<DownloadReport> {
  const settings = resolveFetchSettings(options);
  const { out, dbPath, concurrency, retries, thumbnailFallback, streams, terminal, intervalMinutes, maxConsecutiveFailures } = settings;
  const { logger } = options;
  frameSupply(options); // rejects bad input before anything is opened
  // credentials go to the server as a header, never into what is stored or printed
  const { baseUrl } = withoutCredentials(settings.baseUrl);
  const { stopped, cancelled, stop, stopReason } = runStop(options);
  const watchFailures = tap((item: PipelineItem) => {
    // frames that fail because the run stopped add nothing to why it stopped
    if (item.kind !== 'failed' || stopReason()) return;
    logger?.warn({ url: item.url, error: item.error, attempts: item.attempts }, 'frame failed');
    // a disk that cannot take one frame will not take the next; a name it cannot take is that frame's alone
    if (item.stage === 'write' && !frameNameRefused.test(item.error)) stop(`stopped: ${item.error}`);
  });
  const breaker = circuitBreaker<PipelineItem>({ maxConsecutiveFailures, onOpen: stop });
  let retried = 0;
  const http =
    options.http ??
    frameHttpClient(settings, {
      gate: options.gate,
      onUnreachable: (reason) => stop(`stopped: ${reason}`),
      onRetry: (error) => {
        retried += 1;
        logger?.debug({ url: error.config?.url, error: error.message }, 'retrying');
        options.onRetry?.();
      },
    });
  const fetchFrame = fetchFrames({ http, concurrency: 1, retries, thumbnailFallback, signal: cancelled });
  const toUrls = buildUrls({ baseUrl });
  if (!options.orm) assertCatalogLocation(dbPath);
  let opened: CatalogOrm | undefined;
  const archive = await archiveOf(settings, options, () => opened!);
  await archive.ready();
  const writeFrame = archive.write();
  const { from, to = from, framesFile, maxPerDate, reportPath, recheckMissing = false } = options;
  const discover =
    options.discover && !framesFile && !options.frames ? { pageUrl: options.discover.pageUrl ?? DEFAULTS.pageUrl } : undefined;
  const config = {
    from,
    to,
    framesFile,
    discover,
    streams,
    terminal,
    intervalMinutes,
    maxPerDate,
    baseUrl,
    out,
    dbPath: shownCatalog(dbPath),
    reportPath,
    recheckMissing,
  };
  const gridRange = framesFile || options.frames ? {} : { from, to };
  const orm =
    options.orm ??
    (await openCatalog({ dbPath }).catch((error: unknown) => {
      archive.close();
      throw error;
    }));
  opened = orm;
  try {
    // discovery stops reading pages when the run stops, as downloads stop starting, and keeps the complete days it read in the catalog
    const { readings, onDayRead } = dayReadings(options);
    const cache = catalogDiscoveryCache(orm, { reread: options.rediscover });
    const frames = frameSupply(
      options.discover ? { ...options, discover: { cache, ...options.discover, onDayRead, signal: stopped } } : options,
    );
    const knownMissing = recheckMissing ? new Set<string>() : await loadKnownMissing(orm, { baseUrl, terminal, ...gridRange });
    const skipOnDisk = archive.skip();
    // Everything done per frame runs inside the concurrency slot: only bare frame references wait in
    // line, and at most `concurrency` bodies are in memory however long the range.
    const slots = { concurrency, signal: stopped };
    const perFrame = pipe(toUrls, skipOnDisk, skipKnownMissing<PipelineItem>(knownMissing), fetchFrame, writeFrame);
    const outcomes = isObservable(frames) ? frames.pipe(concurrently(slots, perFrame)) : of(frames).pipe(pullConcurrently(slots, perFrame));
    return await lastValueFrom(
      outcomes.pipe(
        pipe(watchFailures, breaker),
        saveToCatalog(orm, { baseUrl, root: archive.root, readFrame: archive.readFrame }),
        tap((item) => isOutcome(item) && options.onOutcome?.(item)),
        collectStats(),
        tap((tally) => options.onProgress?.(tally)),
        writeReport(reportPath, {
          config: {
            ...config,
            concurrency,
            retries,
            retryDelayMs: settings.retryDelayMs,
            timeoutMs: settings.timeoutMs,
            thumbnailFallback,
            maxConsecutiveFailures,
            ratePerSecond: settings.ratePerSecond,
            bytesPerSecond: settings.bytesPerSecond,
          },
          interrupted: () => stopped.aborted,
          stopReason,
          retries: () => retried,
          discovery: () => (discover ? readings : undefined),
          staleRuns: (perDateStream) => staleRunsOfRun(orm, perDateStream, terminal),
        }),
      ),
    ).catch((error: unknown) => {
      // a catalog the caller opened is checked by the path it names, when it names one
      const explained = options.orm && options.dbPath === undefined ? error : withCatalogCause(error, dbPath);
      // what went wrong after the run stopped (a report that cannot be written on a disk gone
      // read-only) is a consequence: the reason it stopped comes first
      throw explained === error ? afterStop(stopReason(), error) : explained;
    });
  } finally {
    archive.close();
    if (!options.orm) await orm.close();
  }
}

/**
 * How a run stops: `stopped` when the user stopped it (`signal`, `abortSignal`) or it stopped itself
 * (`stop`, with the reason it gives), `cancelled` when the frames in flight are cancelled too.
 */
function runStop({ signal, abortSignal, logger }: Pick<DownloadOptions, 'signal' | 'abortSignal' | 'logger'>) {
  const given = (...signals: (AbortSignal | undefined)[]) => signals.filter((one) => one !== undefined);
  const stopping = new AbortController();
  const stopped = AbortSignal.any([stopping.signal, ...given(signal, abortSignal)]);
  const cancelled = AbortSignal.any(given(stopping.signal, abortSignal));
  let reason: string | undefined;
  const stop = (why: string) => {
    if (reason) return;
    // once the user stopped the run, later failures (frames a second Ctrl-C cancels) are not why it stopped
    if (!stopped.aborted) {
      reason = why;
      logger?.error(why);
    }
    stopping.abort();
  };
  return { stopped, cancelled, stop, stopReason: () => reason };
}

/** What discovery said of each day it read, kept for the report; a day read short is logged. */
function dayReadings({ discover, logger }: Pick<DownloadOptions, 'discover' | 'logger'>) {
  const readings: DayReading[] = [];
  const onDayRead = (reading: DayReading) => {
    readings.push(reading);
    if (reading.status !== 'complete') logger?.warn(reading, `${reading.date} ${reading.stream} is ${reading.status}: ${reading.note}`);
    discover?.onDayRead?.(reading);
  };
  return { readings, onDayRead };
}

/** The runs of identical frames the catalog holds for the dates and streams a run handled. */
async function staleRunsOfRun(
  orm: CatalogOrm,
  perDateStream: Readonly<Record<string, OutcomeCounts>>,
  terminal: string,
): Promise<StaleRun[]> {
  const range = reportDateRange(perDateStream);
  if (!range.from) return [];
  const runs = await staleRuns(orm, { ...range, terminal });
  return runs.filter((run) => `${run.date}/${run.stream}` in perDateStream);
}

/**
 * What went wrong after a run stopped (a report that cannot be written on a disk gone read-only) is a
 * consequence: the reason it stopped comes first.
 */
export function afterStop(stopReason: string | undefined, error: unknown): unknown {
  if (!stopReason) return error;
  return new StoppedError(`${stopReason}; then: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** SQLite calls a catalog whose file was deleted or moved under it a "readonly database": say what happened. */
function withCatalogCause(error: unknown, dbPath: string): unknown {
  if (isPostgresUrl(dbPath) || existsSync(sqlitePathOf(dbPath))) return error;
  const cause = error instanceof Error ? error.message : String(error);
  return new CatalogGoneError(`the catalog ${dbPath} was deleted or moved during the run (SQLite: ${cause})`, { cause: error });
}

/** The HTTP client a download or a watch fetches with, from its settings: the user info of the base URL becomes its Authorization header. */
export function frameHttpClient(
  settings: FetchSettings,
  { gate = createRequestGate(settings), ...hooks }: Pick<HttpClientOptions, 'onRetry' | 'onUnreachable' | 'gate'>,
): AxiosInstance {
  const { authorization } = withoutCredentials(settings.baseUrl);
  return createHttpClient({ ...settings, authorization, gate, ...hooks });
}
