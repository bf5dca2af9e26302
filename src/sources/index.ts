export { dateRange } from './date-range.ts';
export { frameGrid, DEFAULT_STREAMS, DEFAULT_TERMINAL, type FrameGridOptions } from './frame-grid.ts';
export { frameRange, frameRangeOnDemand, type FrameRangeOptions } from './frame-range.ts';
export { framesFromFile, parseFrameReference, parseFrameUrl } from './frames-from-file.ts';
export { discoverFrames, historyPageUrl, DEFAULT_PAGE_URL, type DiscoverBrowserOptions, type DiscoverFramesOptions } from './discover-frames.ts';
