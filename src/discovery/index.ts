export {
  assertBrowserAvailable,
  BROWSER_CANDIDATES,
  CHROMIUM_FLAGS,
  launchBrowser,
  loadPlaywright,
  resolveBrowserPath,
  type LaunchOptions,
  type PlaywrightBrowser,
} from './browser.ts';
export { FrameSet, frameOfUrl, framesFromUrls, frameUrlsIn } from './frame-set.ts';
export type { HistoryReadOptions } from './history-tab.ts';
export { DAY_PICKER_SELECTOR } from './day-picker.ts';
export { judgeReading, type DayReading, type DayStatus } from './completeness.ts';
