import { setTimeout as sleep } from 'node:timers/promises';
import type { FrameRef } from '../items.ts';
import type { PlaywrightContext, PlaywrightPage, PlaywrightRequest, PlaywrightResponse } from './browser.ts';
import { FrameSet } from './frame-set.ts';

export interface HistoryReadOptions {
  /** The longest wait for the page, and for the History of one day (default 60 s). */
  readonly timeoutMs?: number;
  /** The History counts as loaded when no new frame showed up for this long and no request is pending (default 500 ms). */
  readonly settleMs?: number;
  /** A day whose History stays empty this long after it was picked has no frames (default 3 s). */
  readonly emptyAfterMs?: number;
  /** Reloads of the page when the History fails to load (default 2). */
  readonly retries?: number;
  /** Let the page fetch its images (default false: their URLs are read, their bodies never fetched). */
  readonly loadImages?: boolean;
}

/**
 * The day picker: a native date input, an Element UI date editor (what the real page uses), or a
 * text input that asks for a date or a day.
 */
export const DAY_PICKER_SELECTOR =
  'input[type="date"], .el-date-editor input, input[placeholder*="date" i], input[placeholder*="day" i]';

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

const POLL_MS = 100;
const imageUrlPattern = /\.(?:jpe?g|png|gif|webp|avif)(?:[?#]|$)/i;

/** `app.draydog.com` and `api.draydog.com` are one site; an IP address is its own. */
function siteOf(url: string): string {
  const { hostname } = new URL(url);
  return /^[\d.]+$|:|^\[/.test(hostname) ? hostname : hostname.split('.').slice(-2).join('.');
}

const isText = (response: PlaywrightResponse) => /json|text|javascript/i.test(response.headers()['content-type'] ?? '');

/** The reason the History of a day could not be read. */
export class HistoryPageError extends Error {
  override name = 'HistoryPageError';
}

/**
 * One browser tab on the history page of one stream, reused for every day: it picks the day, waits
 * for the History to settle and reads the frame URLs the page shows (in `img` and link attributes)
 * or loads (request URLs and the text of its API answers).
 */
export class HistoryTab {
  readonly #page: PlaywrightPage;
  readonly #url: string;
  readonly #options: Required<HistoryReadOptions>;
  readonly #found = new FrameSet();
  readonly #bodyReads = new Set<Promise<void>>();
  readonly #site: string;
  #apiInFlight = 0;
  #apiFinished = 0;
  #apiFailed = 0;

  private constructor(page: PlaywrightPage, url: string, options: Required<HistoryReadOptions>) {
    this.#page = page;
    this.#url = url;
    this.#options = options;
    this.#site = siteOf(url);
  }

  /** A script's request to the page's own site (its API), not to a third party such as an analytics host. */
  #isApiCall(request: PlaywrightRequest): boolean {
    if (!['fetch', 'xhr'].includes(request.resourceType())) return false;
    try {
      return siteOf(request.url()) === this.#site;
    } catch {
      return false;
    }
  }

  /** Opens `url` (the history page of one stream) in a new tab of `context`. */
  static async open(context: PlaywrightContext, url: string, options: HistoryReadOptions = {}): Promise<HistoryTab> {
    const { timeoutMs = 60_000, settleMs = 500, emptyAfterMs = 3000, retries = 2, loadImages = false } = options;
    const tab = new HistoryTab(await context.newPage(), url, { timeoutMs, settleMs, emptyAfterMs, retries, loadImages });
    await tab.#watchNetwork();
    await tab.#load(() => tab.#page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs }));
    return tab;
  }

  async #watchNetwork(): Promise<void> {
    const page = this.#page;
    if (!this.#options.loadImages) {
      // Politeness: the CDN gets the downloader's requests only. The URL is still seen (the `request` event).
      await page.route(imageUrlPattern, (route) => route.abort('blockedbyclient'));
    }
    page.on('request', (request) => {
      this.#found.addUrl(request.url());
      if (this.#isApiCall(request)) this.#apiInFlight += 1;
    });
    const settled = (failed: boolean) => (request: PlaywrightRequest) => {
      if (!this.#isApiCall(request)) return;
      this.#apiInFlight -= 1;
      this.#apiFinished += 1;
      if (failed) this.#apiFailed += 1;
    };
    page.on('requestfinished', settled(false));
    page.on('requestfailed', settled(true));
    page.on('response', (response) => {
      this.#found.addUrl(response.url());
      if (!this.#isApiCall(response.request())) return;
      if (response.status() >= 400) this.#apiFailed += 1;
      if (!isText(response)) return;
      const read: Promise<void> = response
        .text()
        .then((text) => this.#found.addText(text))
        .catch(() => undefined)
        .finally(() => this.#bodyReads.delete(read));
      this.#bodyReads.add(read);
    });
  }

  async #load(navigate: () => Promise<PlaywrightResponse | null>): Promise<void> {
    const response = await navigate();
    if (response && response.status() >= 400) throw new HistoryPageError(`the history page ${this.#url} answered HTTP ${response.status()}`);
    try {
      await this.#page.locator(DAY_PICKER_SELECTOR).first().waitFor({ state: 'visible', timeout: this.#options.timeoutMs });
    } catch {
      throw new HistoryPageError(`the history page ${this.#url} showed no day picker within ${this.#options.timeoutMs} ms`);
    }
  }

  async #readPage(): Promise<void> {
    this.#found.addText(await this.#page.evaluate<string>(READ_IMAGE_ATTRIBUTES));
  }

  /** Picks the day and waits for its History; resolves to 'failed' when the page's requests failed. */
  async #tryDay(date: string, terminal: string, stream: string): Promise<'settled' | 'failed'> {
    const { settleMs, emptyAfterMs, timeoutMs } = this.#options;
    const finishedBefore = this.#apiFinished;
    const failedBefore = this.#apiFailed;
    const picker = this.#page.locator(DAY_PICKER_SELECTOR).first();
    await picker.fill(date, { timeout: timeoutMs });
    await picker.press('Enter', { timeout: timeoutMs });
    const pickedAt = Date.now();
    let count = -1;
    let changedAt = pickedAt;
    while (Date.now() - pickedAt < timeoutMs) {
      await this.#readPage();
      const now = Date.now();
      const seen = this.#found.frames({ terminal, date, streams: [stream] }).length;
      if (seen !== count) [count, changedAt] = [seen, now];
      if (this.#apiFailed > failedBefore) return 'failed';
      const quiet = this.#apiInFlight <= 0 && this.#bodyReads.size === 0 && now - changedAt >= settleMs;
      const answered = count > 0 || this.#apiFinished > finishedBefore || now - pickedAt >= emptyAfterMs;
      if (quiet && answered) return 'settled';
      await sleep(POLL_MS);
    }
    throw new HistoryPageError(`the History of ${stream} on ${date} did not finish loading within ${timeoutMs} ms (${this.#url})`);
  }

  /** The frames of `stream` on `date` (UTC) that the page shows or loads, de-duplicated and in time order. */
  async framesOn(date: string, terminal: string, stream: string): Promise<FrameRef[]> {
    for (let attempt = 0; ; attempt += 1) {
      this.#found.clear();
      if ((await this.#tryDay(date, terminal, stream)) === 'settled') return this.#found.frames({ terminal, date, streams: [stream] });
      if (attempt >= this.#options.retries) {
        throw new HistoryPageError(`the History of ${stream} on ${date} failed to load ${attempt + 1} times (${this.#url})`);
      }
      await this.#load(() => this.#page.reload({ waitUntil: 'domcontentloaded', timeout: this.#options.timeoutMs }));
    }
  }

  close(): Promise<void> {
    return this.#page.close().catch(() => undefined);
  }
}
