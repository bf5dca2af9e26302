// draydog's public API: what the README documents, pinned by test/unit/public-api.test.ts.
// The loopback camera is its own entry point, `draydog/simulator`.

// the items that flow, and the settings, errors and names every stage shares
export type {
  AlreadyExistedItem,
  DownloadedItem,
  FailedItem,
  FetchedItem,
  FrameItem,
  FrameRef,
  FrameUrls,
  ItemKind,
  ItemOfKind,
  NotFoundItem,
  OutcomeItem,
  PipelineItem,
  RequestItem,
  Variant,
} from './items.ts';
export { isOutcome } from './items.ts';
export { DEFAULTS, resolveFetchSettings, type FetchSettings } from './settings.ts';
export * from './errors.ts';
export { frameFilePath, frameKey, frameOfFileName, frameUrls, parseFrameUrl } from './frame/layout.ts';
export { jpegDefect, jpegDimensions } from './frame/jpeg.ts';

// sources: where frames come from
export { dateRange } from './sources/date-range.ts';
export { frameGrid, type FrameGridOptions } from './sources/frame-grid.ts';
export { frameRange, frameRangeOnDemand, type FrameRangeOptions } from './sources/frame-range.ts';
export { framesFromFile } from './sources/frames-from-file.ts';
export { discoverFrames, type DiscoverBrowserOptions, type DiscoverFramesOptions } from './sources/discover-frames.ts';

// operators: one stage each
export { buildUrls, type BuildUrlsOptions } from './operators/build-urls.ts';
export { circuitBreaker, type CircuitBreakerOptions } from './operators/circuit-breaker.ts';
export { concurrently } from './operators/concurrently.ts';
export { fetchFrames, type FetchFramesOptions } from './operators/fetch-frames.ts';
export { limitPerDate } from './operators/limit-per-date.ts';
export { pullConcurrently } from './operators/pull-concurrently.ts';
export { skipExisting, type SkipExistingOptions } from './operators/skip-existing.ts';
export { skipExistingObjects } from './operators/skip-existing-objects.ts';
export { skipKnownMissing } from './operators/skip-known-missing.ts';

// sinks: where outcomes go
export { collectStats, type DownloadStats, type DownloadTally, type FailureRecord, type OutcomeCounts } from './sinks/collect-stats.ts';
export { saveToCatalog, type SaveToCatalogOptions } from './sinks/save-to-catalog.ts';
export { writeReport, type WriteReportOptions } from './sinks/write-report.ts';
export type { DownloadReport } from './report/json-report.ts';
export { writeToDisk, writeToStore, type WriteToDiskOptions, type WriteToStoreOptions } from './sinks/write-to-disk.ts';
export type { FrameStore, PutOutcome } from './storage/frame-store.ts';
export { writeToObjectStore, type WriteToObjectStoreOptions } from './sinks/write-to-object-store.ts';
export {
  assertBucketReachable,
  createObjectStoreClient,
  objectStore,
  type ObjectStoreClientOptions,
  type ObjectStoreOptions,
} from './storage/object-store.ts';

// the catalog
export { Image } from './catalog/image-entity.ts';
export { MissingFrame } from './catalog/missing-frame-entity.ts';
export { openCatalog, type CatalogBackend, type OpenCatalogOptions } from './catalog/open-catalog.ts';
export type { CatalogOrm } from './catalog/catalog-location.ts';
export { loadKnownMissing, type KnownMissingOptions } from './catalog/known-missing.ts';
export { summarizeCatalog, type CatalogDay, type CatalogSummaryOptions } from './catalog/summary.ts';

// HTTP
export { createHttpClient, type HttpClientOptions } from './http/http-client.ts';
export { undiciAdapter, type UndiciAdapterOptions } from './http/undici-adapter.ts';
export type { RequestGate } from './http/request-gate.ts';
export { createFleetGate, type FleetGateOptions } from './fleet/fleet-gate.ts';

// the default pipeline, watch mode, the archive's checks, the reports
export { runDownload, type DownloadOptions } from './download.ts';
// a fleet: the job handler, and the partitions a job system hands out (see the BullMQ workers of `draydog worker`)
export { downloadPartition, type PartitionOutcome } from './fleet/download-partition.ts';
export { partitionId, partitionsOf, type Partition, type PartitionsOptions } from './fleet/partitions.ts';
export { watch, type WatchOptions, type WatchResult } from './watch/watch.ts';
export type { CycleReport } from './watch/cycle.ts';
export { WatchMetrics, serveMetrics, type MetricsServer, type MetricsServerOptions } from './watch/metrics.ts';
export { verifyArchive, type ArchiveProblem, type ArchiveProblemKind, type VerifyOptions, type VerifyResult } from './archive/verify.ts';
export { verifyBucket, type VerifyBucketOptions } from './archive/verify-bucket.ts';
export { organizeFiles, type OrganizeOptions, type OrganizeResult } from './archive/organize.ts';
export { catalogCoverage, type Coverage, type CoverageOptions } from './catalog/coverage.ts';
export { renderHtmlReport, writeHtmlReport } from './report/html-report.ts';

// the customer's original class, on top of the pipeline
export {
  BulkImageDownloader,
  type BulkImageDownloaderOptions,
  type DateRangeRequest,
  type ImageMetadata,
} from './compat/bulk-image-downloader.ts';
