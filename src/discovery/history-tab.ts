import { setTimeout as sleep } from 'node:timers/promises';
import type { FrameRef } from '../items.ts';
import type { PlaywrightContext, PlaywrightPage, PlaywrightRequest, PlaywrightResponse } from './browser.ts';
import type { ReadOutcome } from './completeness.ts';
import { listedTimesIn, statedTotalsIn } from './day-answers.ts';
import { DAY_PICKER_SELECTOR, pickDay } from './day-picker.ts';
import { FrameSet } from './frame-set.ts';
import { HistoryPageError } from '../errors.ts';

export interface HistoryReadOptions {
  /** The longest wait for the page, and for the History of one day (default 60 s). */
  readonly timeoutMs?: number;
  /** The History counts as read when no new frame showed up for this long, nothing is loading and nothing is left to scroll or press (default 500 ms). */
  readonly settleMs?: number;
  /** A day whose History stays empty this long after the page answered for it has no frames (default 3 s). */
  readonly emptyAfterMs?: number;
  /** Reloads of the page when the History fails to load (default 2). */
  readonly retries?: number;
  /** Let the page fetch its images (default false: the browser gets a tiny placeholder for each, the CDN sees no request). */
  readonly loadImages?: boolean;
}

/** Runs in the page: every attribute that can hold an image URL, one per line. */
const READ_IMAGE_ATTRIBUTES = `(() => {
  const found = [];
  for (const element of document.querySelectorAll('img, source, a[href], [data-src], [data-srcset], [data-original], [style*="url("]')) {
    for (const name of ['src', 'srcset', 'href', 'data-src', 'data-srcset', 'data-original', 'style']) {
      const value = element.getAttribute(name);
      if (value) found.push(value);
    }
    if (element.currentSrc) found.push(element.currentSrc);
    if (element instanceof HTMLImageElement && element.src) found.push(element.src);
  }
  return found.join('\\n');
})()`;

/**
 * Runs in the page: scrolls every scrollable element and the window one screen further, and (when
 * \`press\`) presses the paging controls that are there and enabled: "Load more"/"More"/"Next"
 * buttons and el-pagination's next. Says what it moved and pressed, and the totals the page shows.
 */
const ADVANCE = `(press) => {
  const visible = (element) => element.offsetParent !== null || element === document.scrollingElement;
  let scrolled = false;
  const scrollers = [document.scrollingElement, ...[...document.querySelectorAll('*')].filter((element) => {
    const overflow = getComputedStyle(element).overflowY;
    return (overflow === 'auto' || overflow === 'scroll') && element.scrollHeight > element.clientHeight + 1;
  })];
  for (const element of scrollers) {
    if (!element || !visible(element)) continue;
    const before = element.scrollTop;
    element.scrollTop = Math.min(before + Math.max(element.clientHeight, 200), element.scrollHeight);
    if (element.scrollTop !== before) {
      scrolled = true;
      // a tab in the background may not fire scroll events itself; the window's come from the document
      (element === document.scrollingElement ? document : element).dispatchEvent(new Event('scroll', { bubbles: element === document.scrollingElement }));
    }
  }
  const disabled = (element) => element.disabled || element.getAttribute('aria-disabled') === 'true' || /\\b(is-disabled|is-loading|disabled)\\b/.test(element.className);
  const controls = [
    ...document.querySelectorAll('.el-pagination .btn-next'),
    ...[...document.querySelectorAll('button, .el-button, a[role="button"]')].filter((element) =>
      /^\\s*(load|show|see)?\\s*more(\\s+(images|frames|photos))?\\s*$|^\\s*next(\\s+page)?\\s*[>›»]?\\s*$/i.test(element.textContent || '')),
  ].filter((element) => visible(element) && !disabled(element) && !element.closest('.el-picker-panel'));
  if (press) controls.forEach((element) => element.click());
  const text = document.body.innerText;
  const totals = [...text.matchAll(/\\b(\\d+)\\s+(?:images|frames|photos|pictures|results)\\b|\\btotal:?\\s+(\\d+)/gi)].map((match) => Number(match[1] ?? match[2]));
  const empty = /\\bno (?:data|images|frames|photos|pictures|results)\\b/i.test(text);
  return { scrolled, controls: controls.length, totals, empty };
}`;

interface Advance {
  readonly scrolled: boolean;
  readonly controls: number;
  readonly totals: number[];
  readonly empty: boolean;
}

const POLL_MS = 100;
const imageUrlPattern = /\.(?:jpe?g|png|gif|webp|avif)(?:[?#]|$)/i;
// a 1x1 GIF: what the browser gets instead of any image, so image components render as with real images
const PLACEHOLDER_IMAGE = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const isText = (response: PlaywrightResponse) => /json|text|javascript/i.test(response.headers()['content-type'] ?? '');
const isScriptCall = (request: PlaywrightRequest) => ['fetch', 'xhr'].includes(request.resourceType());

/**
 * One browser tab on the history page of one stream, reused for every day: it picks the day, reads
 * the History to its end (scrolling, pressing "more" and "next") and collects the frames the page
 * shows (in `img` and link attributes) or loads (request URLs, and the URLs or listed times in the
 * answers of the page's API calls, whatever their host), with the total the page says it has.
 */
export class HistoryTab {
  readonly #page: PlaywrightPage;
  readonly #url: string;
  readonly #options: Required<HistoryReadOptions>;
  readonly #found = new FrameSet();
  readonly #listedTimes = new Set<string>();
  readonly #totals: number[] = [];
  readonly #bodyReads = new Set<Promise<void>>();
  /** The date being read. */
  #date: string | undefined;
  readonly #apiInFlight = new Set<PlaywrightRequest>();
  #apiFinished = 0;
  #apiFailed = 0;

  private constructor(page: PlaywrightPage, url: string, options: Required<HistoryReadOptions>) {
    this.#page = page;
    this.#url = url;
    this.#options = options;
  }

  /** Opens `url` (the history page of one stream) in a new tab of `context`. */
  static async open(context: PlaywrightContext, url: string, options: HistoryReadOptions = {}): Promise<HistoryTab> {
    const { timeoutMs = 60_000, settleMs = 500, emptyAfterMs = 3000, retries = 2, loadImages = false } = options;
    const tab = new HistoryTab(await context.newPage(), url, { timeoutMs, settleMs, emptyAfterMs, retries, loadImages });
    await tab.#watchNetwork();
    await tab.#load(() => tab.#page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs }));
    return tab;
  }

  #readAnswer(text: string, url: string): void {
    const before = this.#found.size;
    this.#found.addText(text);
    // a total counts for the day being read only when the answer is about that day (an answer for the day the page opened on is not)
    if (this.#date && (url.includes(this.#date) || text.includes(this.#date))) this.#totals.push(...statedTotalsIn(text));
    // times only count where the answer names no frame URL: a list of times is the page's day list
    if (this.#found.size === before) for (const time of listedTimesIn(text)) this.#listedTimes.add(time);
  }

  async #watchNetwork(): Promise<void> {
    const page = this.#page;
    if (!this.#options.loadImages) {
      // Politeness: the CDN gets the downloader's requests only. The URL is still seen (the `request` event).
      await page.route(imageUrlPattern, (route) =>
        route.request().resourceType() === 'image'
          ? route.fulfill({ status: 200, contentType: 'image/gif', body: PLACEHOLDER_IMAGE })
          : route.continue(),
      );
    }
    page.on('request', (request) => {
      this.#found.addUrl(request.url());
      if (isScriptCall(request)) this.#apiInFlight.add(request);
    });
    const settled = (failed: boolean) => (request: PlaywrightRequest) => {
      if (!this.#apiInFlight.delete(request)) return;
      this.#apiFinished += 1;
      if (failed) this.#apiFailed += 1;
    };
    page.on('requestfinished', settled(false));
    page.on('requestfailed', settled(true));
    page.on('response', (response) => {
      this.#found.addUrl(response.url());
      if (!isScriptCall(response.request())) return;
      // a page rarely reads the body of an error: its request may never finish, so the answer settles it
      if (response.status() >= 400) return settled(true)(response.request());
      if (!isText(response)) return;
      const read: Promise<void> = response
        .text()
        .then((text) => this.#readAnswer(text, response.url()))
        .catch(() => undefined)
        .finally(() => this.#bodyReads.delete(read));
      this.#bodyReads.add(read);
    });
  }

  async #load(navigate: () => Promise<PlaywrightResponse | null>): Promise<void> {
    const response = await navigate();
    if (response && response.status() >= 400)
      throw new HistoryPageError(`the history page ${this.#url} answered HTTP ${response.status()}`);
    try {
      await this.#page.locator(DAY_PICKER_SELECTOR).first().waitFor({ state: 'visible', timeout: this.#options.timeoutMs });
    } catch {
      throw new HistoryPageError(`the history page ${this.#url} showed no day picker within ${this.#options.timeoutMs} ms`);
    }
  }

  #framesOf(date: string, terminal: string, stream: string): FrameRef[] {
    for (const time of this.#listedTimes) {
      const hour = Number(time.slice(11, 13));
      if (time.startsWith(date)) this.#found.addUrl(`/${terminal}/${date}/${hour}/${time}-${stream}.jpeg`);
    }
    return this.#found.frames({ terminal, date, streams: [stream] });
  }

  /** Picks the day, then reads the History to its end; says why when it stopped short. */
  async #readDay(date: string, terminal: string, stream: string): Promise<{ stoppedShort?: string }> {
    const { settleMs, emptyAfterMs, timeoutMs } = this.#options;
    const startedAt = Date.now();
    const failedBefore = this.#apiFailed;
    const finishedBefore = this.#apiFinished;
    await pickDay(this.#page, date, timeoutMs);
    const pickedAt = Date.now();
    let count = -1;
    let changedAt = pickedAt;
    while (Date.now() - startedAt < timeoutMs) {
      this.#found.addText(await this.#page.evaluate<string>(READ_IMAGE_ATTRIBUTES));
      const failed = this.#apiFailed > failedBefore;
      // pressing waits for the page's answers, and stops once they fail: a broken pager is not pressed forever
      const press = this.#apiInFlight.size === 0 && this.#bodyReads.size === 0 && !failed;
      const advance = await this.#page.evaluate<Advance>(`(${ADVANCE})(${press})`);
      const now = Date.now();
      const seen = this.#framesOf(date, terminal, stream).length;
      if (seen !== count || advance.scrolled || (press && advance.controls > 0)) [count, changedAt] = [seen, now];
      const quiet =
        this.#apiInFlight.size === 0 && this.#bodyReads.size === 0 && now - changedAt >= settleMs && (failed || advance.controls === 0);
      // an empty day is only taken as such once the page answered since it was picked, or says it has none
      const answered = count > 0 || advance.empty || failed || (this.#apiFinished > finishedBefore && now - pickedAt >= emptyAfterMs);
      if (quiet && answered) {
        this.#totals.push(...advance.totals);
        return failed ? { stoppedShort: 'some of its requests failed' } : {};
      }
      await sleep(POLL_MS);
    }
    return { stoppedShort: `it was still loading after ${timeoutMs} ms (--page-timeout)` };
  }

  /**
   * The frames of `stream` on `date` (UTC) that the page shows or loads, de-duplicated and in time
   * order, with what the page said it had. A reading that stopped short is tried again on a reloaded
   * page, up to `retries` times, keeping every frame seen.
   */
  async readDay(date: string, terminal: string, stream: string): Promise<{ frames: FrameRef[]; outcome: ReadOutcome }> {
    this.#date = date;
    this.#found.clear();
    this.#listedTimes.clear();
    this.#totals.length = 0;
    for (let attempt = 0; ; attempt += 1) {
      const { stoppedShort } = await this.#readDay(date, terminal, stream);
      const frames = this.#framesOf(date, terminal, stream);
      const expected = this.#totals.length > 0 ? Math.max(...this.#totals) : undefined;
      const short = stoppedShort !== undefined && (expected === undefined || frames.length < expected);
      if (!short || attempt >= this.#options.retries) {
        return {
          frames,
          outcome: {
            date,
            stream,
            found: frames.length,
            ...(expected === undefined ? {} : { expected }),
            ...(short ? { stoppedShort } : {}),
          },
        };
      }
      await this.#load(() => this.#page.reload({ waitUntil: 'domcontentloaded', timeout: this.#options.timeoutMs }));
    }
  }

  close(): Promise<void> {
    return this.#page.close().catch(() => undefined);
  }
}
