export * from './sources/index.ts';
export * from './discovery/index.ts';
export * from './operators/index.ts';
export * from './sinks/index.ts';
export { createHttpClient, readFrameAnswer, type FrameAnswer, type HttpClientOptions } from './http/http-client.ts';
export { undiciAdapter, type UndiciAdapterOptions } from './http/undici-adapter.ts';
export { jpegDefect, jpegDimensions } from './http/jpeg.ts';
export { parseRetryAfter, retryDelayMs } from './http/retry-delay.ts';
export { InputError, parseDate, parseTimestamp } from './frame-time.ts';
export type * from './items.ts';
export { isOutcome } from './items.ts';
export { organizeFiles, frameOfFileName, type OrganizeOptions, type OrganizeResult } from './organize.ts';
export { plannedFrames, runDownload, DEFAULT_OUT, type DownloadOptions } from './run-download.ts';
export {
  BulkImageDownloader,
  type BulkImageDownloaderOptions,
  type DateRangeRequest,
  type ImageMetadata,
} from './bulk-image-downloader.ts';
export { verifyArchive, type ArchiveProblem, type ArchiveProblemKind, type VerifyOptions, type VerifyResult } from './verify.ts';
// watch mode, its schedule and metrics; the HTML coverage report
export {
  watch,
  watchCycle,
  gridFrames,
  newestFrames,
  simulatedClock,
  validateWatchOptions,
  DEFAULT_EVERY_MS,
  DEFAULT_SETTLE_MS,
  type CycleReport,
  type FrameSource,
  type FrameWindow,
  type WatchClock,
  type WatchOptions,
  type WatchResult,
} from './watch.ts';
export { watchSchedule, watchDates, type CycleResult, type WatchScheduleOptions, type WatchTick } from './operators/watch-schedule.ts';
export { WatchMetrics, serveMetrics, type Health, type MetricsServer, type MetricsServerOptions, type WatchMetricsOptions } from './metrics.ts';
export {
  catalogCoverage,
  renderHtmlReport,
  writeHtmlReport,
  writeHtmlReportOfCatalog,
  type Coverage,
  type CoverageGap,
  type CoverageOptions,
  type DayCoverage,
  type HourCoverage,
  type StreamCoverage,
} from './sinks/html-report.ts';
// the loopback camera, for trying pipelines and testing them without the real CDN
export { startSimulator, type Simulator, type SimulatorOptions } from './simulator/index.ts';
