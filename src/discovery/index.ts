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
export { DAY_PICKER_SELECTOR, HistoryPageError, type HistoryReadOptions } from './history-tab.ts';
