export * from './sources/index.ts';
export * from './operators/index.ts';
export * from './sinks/index.ts';
export { createHttpClient, readFrameAnswer, type FrameAnswer, type HttpClientOptions } from './http/http-client.ts';
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
