export * from './sources/index.ts';
export * from './discovery/index.ts';
export * from './operators/index.ts';
export * from './sinks/index.ts';
export { createHttpClient, readFrameAnswer, type FrameAnswer, type HttpClientOptions } from './http/http-client.ts';
export { undiciAdapter, type UndiciAdapterOptions } from './http/undici-adapter.ts';
export { jpegDefect, jpegDimensions } from './frame/jpeg.ts';
export { parseRetryAfter, retryDelayMs } from './http/retry-delay.ts';
export { parseDate, parseTimestamp } from './frame/time.ts';
export * from './errors.ts';
export type * from './items.ts';
export { isOutcome } from './items.ts';
export { organizeFiles, type OrganizeOptions, type OrganizeResult } from './archive/organize.ts';
export { plannedFrames, runDownload, type DownloadOptions } from './download.ts';
export {
  BulkImageDownloader,
  type BulkImageDownloaderOptions,
  type DateRangeRequest,
  type ImageMetadata,
} from './compat/bulk-image-downloader.ts';
export { verifyArchive, type ArchiveProblem, type ArchiveProblemKind, type VerifyOptions, type VerifyResult } from './archive/verify.ts';
// watch mode, its schedule and metrics; the HTML coverage report
export {
  watch,
  watchCycle,
  gridFrames,
  newestFrames,
  simulatedClock,
  validateWatchOptions,
  type CycleReport,
  type FrameSource,
  type FrameWindow,
  type WatchClock,
  type WatchOptions,
  type WatchResult,
} from './watch/watch.ts';
export { watchSchedule, watchDates, type CycleResult, type WatchScheduleOptions, type WatchTick } from './watch/watch-schedule.ts';
export { WatchMetrics, serveMetrics, type Health, type MetricsServer, type MetricsServerOptions, type WatchMetricsOptions } from './watch/metrics.ts';
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
} from './report/html-report.ts';
// the loopback camera, for trying pipelines and testing them without the real CDN
export { startSimulator, type Simulator, type SimulatorOptions } from './simulator/index.ts';
export { frameFilePath, frameKey, frameOfFileName, frameUrls, parseFrameUrl } from './frame/layout.ts';
export { DEFAULTS } from './settings.ts';
