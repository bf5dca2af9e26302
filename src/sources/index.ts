export { dateRange } from './date-range.ts';
export { frameGrid, type FrameGridOptions } from './frame-grid.ts';
export { frameRange, frameRangeOnDemand, type FrameRangeOptions } from './frame-range.ts';
export { framesFromFile, parseFrameReference } from './frames-from-file.ts';
export { discoverFrames, historyPageUrl, type DiscoverBrowserOptions, type DiscoverFramesOptions } from './discover-frames.ts';
