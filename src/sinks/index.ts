export { collectStats, emptyTally, successRate, type DownloadStats, type DownloadTally, type FailureRecord, type OutcomeCounts } from './collect-stats.ts';
export { frameFilePath, removeActiveTemporaryFiles, removeStaleTemporaryFiles } from './frame-files.ts';
export { Image, ImageSchema } from './image-entity.ts';
export { assertSqliteFile, catalogConfig, DEFAULT_DB_PATH, openCatalog, type OpenCatalogOptions } from './open-catalog.ts';
export { shownCatalog, type CatalogOrm } from './catalog-location.ts';
export { rowOfDownload, rowOfFile, saveToCatalog, upsertImages, type ImageRow, type SaveToCatalogOptions } from './save-to-catalog.ts';
export { writeFileAtomically, writeToDisk, type WriteToDiskOptions } from './write-to-disk.ts';
export {
  assertBucketReachable,
  createObjectStoreClient,
  frameObjectKey,
  objectUrl,
  skipExistingObjects,
  writeToObjectStore,
  type ObjectStoreClientOptions,
  type ObjectStoreOptions,
  type WriteToObjectStoreOptions,
} from './write-to-object-store.ts';
export { defaultReportPath, saveReportFile, toReport, writeReport, type DownloadReport, type WriteReportOptions } from './write-report.ts';
export { summarizeCatalog, type CatalogDay, type CatalogSummaryOptions } from './catalog-summary.ts';
export { frameKey, loadKnownMissing, MISS_SETTLES_AFTER_MS, type KnownMissingOptions } from './known-missing.ts';
export { MissingFrame, MissingFrameSchema } from './missing-frame-entity.ts';
export { catalogDiscoveryCache, DiscoveredDay, DiscoveredDaySchema, type CatalogDiscoveryCacheOptions, type DiscoveryCache } from './discovery-cache.ts';
