import type { CatalogOrm } from '../catalog/catalog-location.ts';
import { assertName, formatTimestamp } from '../frame/time.ts';
import { InputError } from '../errors.ts';
import { organizeFiles, type OrganizeResult } from '../archive/organize.ts';
import { runDownload } from '../download.ts';
import { emptyCounts, statsAt, type DownloadStats, type FailureRecord, type OutcomeCounts } from '../sinks/collect-stats.ts';
import { openCatalog } from '../catalog/open-catalog.ts';
import { rowOfFile, upsertImages, type ImageRow } from '../catalog/images.ts';
import { defaultReportPath, emptyDateStreamsOf, saveReportFile, type DownloadReport } from '../report/json-report.ts';
import { DEFAULTS } from '../settings.ts';

export interface BulkImageDownloaderOptions {
  readonly downloadDir?: string;
  readonly maxRetries?: number;
  /** Seconds, as in the seed. */
  readonly retryDelay?: number;
  /** Seconds, as in the seed. */
  readonly timeout?: number;
  /** Only direct download (URLs built without a browser) exists so far. */
  readonly useDirectDownload?: boolean;
  readonly baseUrl?: string;
  readonly dbPath?: string;
  readonly concurrency?: number;
  readonly terminal?: string;
}

export interface DateRangeRequest {
  readonly startDate: string;
  readonly endDate?: string;
  readonly streams?: readonly string[];
  readonly maxImagesPerDate?: number;
}

/** The seed's metadata record for `saveToDatabase`. */
export interface ImageMetadata {
  readonly filepath: string;
  readonly camera_id: string;
  readonly timestamp: Date;
  readonly file_size?: number;
}

function addCounts(into: OutcomeCounts, more: OutcomeCounts): void {
  for (const key of Object.keys(into) as (keyof OutcomeCounts)[]) into[key] += more[key];
}

/** The seed's class, for people who know it, on top of the RxJS pipeline. */
export class BulkImageDownloader implements AsyncDisposable {
  readonly options: Readonly<Required<Omit<BulkImageDownloaderOptions, 'baseUrl'>>> & { baseUrl?: string };
  readonly #reports: DownloadReport[] = [];
  readonly #createdAt = Date.now();
  #orm: Promise<CatalogOrm> | undefined;

  constructor(options: BulkImageDownloaderOptions = {}) {
    if (options.useDirectDownload === false) {
      throw new InputError('invalid useDirectDownload "false": only direct download is available');
    }
    this.options = {
      downloadDir: DEFAULTS.out,
      maxRetries: DEFAULTS.retries,
      retryDelay: DEFAULTS.retryDelayMs / 1000,
      timeout: DEFAULTS.timeoutMs / 1000,
      useDirectDownload: true,
      dbPath: DEFAULTS.dbPath,
      concurrency: DEFAULTS.concurrency,
      terminal: DEFAULTS.terminal,
      ...options,
    };
  }

  #catalog(): Promise<CatalogOrm> {
    this.#orm ??= openCatalog({ dbPath: this.options.dbPath });
    return this.#orm;
  }

  async downloadDateRange({ startDate, endDate = startDate, streams, maxImagesPerDate }: DateRangeRequest): Promise<DownloadReport> {
    const { downloadDir, maxRetries, retryDelay, timeout, baseUrl, concurrency, terminal } = this.options;
    const report = await runDownload({
      from: startDate,
      to: endDate,
      streams,
      terminal,
      maxPerDate: maxImagesPerDate,
      out: downloadDir,
      baseUrl,
      concurrency,
      retries: maxRetries,
      retryDelayMs: retryDelay * 1000,
      timeoutMs: timeout * 1000,
      orm: await this.#catalog(),
    });
    this.#reports.push(report);
    return report;
  }

  /** Everything downloaded through this instance so far. */
  get stats(): DownloadStats {
    const totals = emptyCounts();
    for (const report of this.#reports) addCounts(totals, report.stats);
    const last = this.#reports.at(-1);
    return statsAt(totals, this.#createdAt, last ? Date.parse(last.stats.finishedAt) : this.#createdAt);
  }

  /** Catalogs files described the seed's way (size and sha256 are read from the file); returns how many rows were saved. */
  async saveToDatabase(metadata: readonly ImageMetadata[]): Promise<number> {
    const rows: ImageRow[] = [];
    for (const { filepath, camera_id, timestamp } of metadata) {
      if (Number.isNaN(timestamp.getTime())) throw new InputError(`invalid timestamp "${timestamp}" for ${filepath}`);
      const capturedAt = formatTimestamp(timestamp.getTime());
      const stream = assertName(camera_id, 'camera_id');
      const frame = { terminal: this.options.terminal, stream, capturedAt, date: capturedAt.slice(0, 10) };
      rows.push(await rowOfFile({ kind: 'alreadyExisted', frame, filePath: filepath }, this.options.downloadDir));
    }
    await upsertImages(await this.#catalog(), rows);
    return rows.length;
  }

  async organizeFiles(source: string, target: string): Promise<OrganizeResult> {
    return organizeFiles(source, target, { terminal: this.options.terminal, orm: await this.#catalog() });
  }

  /** One report over every date range downloaded so far. */
  generateDownloadReport(): DownloadReport {
    const perDateStream: Record<string, OutcomeCounts> = {};
    const failures: FailureRecord[] = [];
    for (const report of this.#reports) {
      for (const [key, counts] of Object.entries(report.perDateStream)) {
        perDateStream[key] ??= emptyCounts();
        addCounts(perDateStream[key], counts);
      }
      failures.push(...report.failures);
    }
    return {
      stats: this.stats,
      perDateStream,
      failures,
      config: { ...this.options, ranges: this.#reports.map(({ config }) => ({ from: config.from, to: config.to })) },
      interrupted: this.#reports.some(({ interrupted }) => interrupted),
      emptyDateStreams: emptyDateStreamsOf(perDateStream),
      staleFrames: Object.assign({}, ...this.#reports.map(({ staleFrames }) => staleFrames)),
    };
  }

  /** Saves a report (default `<downloadDir>/reports/download-<UTC time>.json`) and returns its path. */
  async saveReport(report = this.generateDownloadReport(), path?: string): Promise<string> {
    return saveReportFile(path ?? defaultReportPath(this.options.downloadDir), report);
  }

  async close(): Promise<void> {
    const orm = this.#orm;
    this.#orm = undefined;
    if (orm) await (await orm).close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
