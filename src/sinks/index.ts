export { collectStats, emptyTally, successRate, type DownloadStats, type DownloadTally, type FailureRecord, type OutcomeCounts } from './collect-stats.ts';
export { frameFilePath, removeStaleTemporaryFiles } from './frame-files.ts';
export { Image, ImageSchema } from './image-entity.ts';
export { assertSqliteFile, catalogConfig, DEFAULT_DB_PATH, openCatalog, type OpenCatalogOptions } from './open-catalog.ts';
export { rowOfDownload, rowOfFile, saveToCatalog, upsertImages, type ImageRow, type SaveToCatalogOptions } from './save-to-catalog.ts';
export { writeFileAtomically, writeToDisk, type WriteToDiskOptions } from './write-to-disk.ts';
export { saveReportFile, toReport, writeReport, type DownloadReport, type WriteReportOptions } from './write-report.ts';
export { summarizeCatalog, type CatalogDay, type CatalogSummaryOptions } from './catalog-summary.ts';
