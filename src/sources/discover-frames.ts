import { concatMap, from, Observable, type OperatorFunction } from 'rxjs';
import { launchBrowser, type LaunchOptions, type PlaywrightBrowser, type PlaywrightContext } from '../discovery/browser.ts';
import { HistoryTab, type HistoryReadOptions } from '../discovery/history-tab.ts';
import { assertName, InputError, parseDate } from '../frame-time.ts';
import { frameItem, type FrameItem } from '../items.ts';
import type { DiscoveryCache } from '../sinks/discovery-cache.ts';
import { assertHttpUrl } from '../operators/build-urls.ts';
import { DEFAULT_STREAMS, DEFAULT_TERMINAL } from './frame-grid.ts';

/** Where the public camera history pages live. */
export const DEFAULT_PAGE_URL = 'https://app.draydog.com';

export interface DiscoverBrowserOptions extends LaunchOptions, HistoryReadOptions {
  /** A browser that is already running (e.g. one shared by tests): used, never closed; only what discovery opened in it is. */
  readonly instance?: PlaywrightBrowser;
}

export interface DiscoverFramesOptions {
  readonly streams?: readonly string[];
  readonly terminal?: string;
  /** The site of the history pages (default `https://app.draydog.com`; a `draydog simulate` URL serves one too). */
  readonly pageUrl?: string;
  readonly browser?: DiscoverBrowserOptions;
  /** Once aborted, no more pages are read: the date being read and those after it are dropped, the browser closed, the output completed. */
  readonly signal?: AbortSignal;
  /** Frames read on earlier runs (see `catalogDiscoveryCache`): a date found there is not browsed; no browser starts for it. */
  readonly cache?: DiscoveryCache;
}

/** `<pageUrl>/terminal_cameras/<terminal>?streamName=<stream>` */
export function historyPageUrl(pageUrl: string, terminal: string, stream: string): string {
  return `${pageUrl.replace(/\/+$/, '')}/terminal_cameras/${terminal}?streamName=${encodeURIComponent(stream)}`;
}

type SessionOptions = Required<Omit<DiscoverFramesOptions, 'browser' | 'signal' | 'cache'>> & { readonly browser: DiscoverBrowserOptions };

interface BrowserHandle {
  readonly browser: PlaywrightBrowser;
  readonly context: PlaywrightContext;
  readonly owned: boolean;
}

/** One browser (launched on the first date) and one reused tab per stream, for every date of a subscription. */
class DiscoverySession {
  readonly #options: SessionOptions;
  readonly #tabs = new Map<string, Promise<HistoryTab>>();
  #handle: Promise<BrowserHandle> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: SessionOptions) {
    this.#options = options;
  }

  #context(): Promise<PlaywrightContext> {
    this.#handle ??= (async () => {
      const { instance, ...launch } = this.#options.browser;
      const browser = instance ?? (await launchBrowser(launch));
      const owned = instance === undefined;
      try {
        // UTC, like the CDN's date folders: a page that shows days in the browser's time zone shows UTC days.
        const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', serviceWorkers: 'block' });
        return { browser, context, owned };
      } catch (error) {
        if (owned) await browser.close().catch(() => undefined);
        throw error;
      }
    })();
    return this.#handle.then(({ context }) => context);
  }

  #tab(stream: string): Promise<HistoryTab> {
    let tab = this.#tabs.get(stream);
    if (!tab) {
      const url = historyPageUrl(this.#options.pageUrl, this.#options.terminal, stream);
      tab = this.#context().then((context) => HistoryTab.open(context, url, this.#options.browser));
      this.#tabs.set(stream, tab);
    }
    return tab;
  }

  /** The frames of every stream on one date: streams in the order given, each in time order. */
  async framesOn(date: string): Promise<FrameItem[]> {
    parseDate(date);
    if (this.#closing) throw new Error('frame discovery was stopped');
    const { streams, terminal } = this.#options;
    const perStream = await Promise.all(streams.map(async (stream) => (await this.#tab(stream)).framesOn(date, terminal, stream)));
    return perStream.flat().map(frameItem);
  }

  /** Closes the browser it launched (or its own context in a browser it was given); never rejects. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const handle = await this.#handle?.catch(() => undefined);
      if (!handle) return;
      await (handle.owned ? handle.browser.close() : handle.context.close()).catch(() => undefined);
    })();
    return this.#closing;
  }
}

/**
 * Dates (`YYYY-MM-DD`, UTC) to the frames the camera really shot, read from its public history
 * page in headless Chromium (playwright-core, an optional peer dependency): for each date it picks
 * the day, waits for the History section and collects every CDN frame URL the page shows or loads;
 * thumbnails and full-size URLs of one frame are one frame. Emits per date, stream by stream, in
 * time order, as soon as the date is read (so downloads of one date overlap discovery of the next).
 * One browser serves the whole subscription and is closed on completion, error, unsubscribe and
 * when `signal` aborts.
 */
export function discoverFrames(options: DiscoverFramesOptions = {}): OperatorFunction<string, FrameItem> {
  const { streams = DEFAULT_STREAMS, terminal = DEFAULT_TERMINAL, pageUrl = DEFAULT_PAGE_URL, browser = {}, signal, cache } = options;
  if (streams.length === 0) throw new InputError('invalid streams "": name at least one stream');
  streams.forEach((stream) => assertName(stream, 'stream'));
  assertName(terminal, 'terminal');
  assertHttpUrl(pageUrl, 'page URL');
  return (dates) =>
    new Observable<FrameItem>((subscriber) => {
      if (signal?.aborted) return subscriber.complete();
      const session = new DiscoverySession({ streams, terminal, pageUrl, browser });
      const framesOn = async (date: string): Promise<FrameItem[]> => {
        const cached = await cache?.load(date, terminal, streams);
        if (cached) return cached.map(frameItem);
        const items = await session.framesOn(date);
        await cache?.save(date, terminal, streams, items.map(({ frame }) => frame));
        return items;
      };
      const subscription = dates
        .pipe(
          concatMap((date) => from(framesOn(date))),
          concatMap((items) => items),
        )
        .subscribe({
          next: (item) => subscriber.next(item),
          error: (error: unknown) => void session.close().then(() => subscriber.error(error)),
          complete: () => void session.close().then(() => subscriber.complete()),
        });
      const stop = () => {
        subscription.unsubscribe();
        void session.close().then(() => subscriber.complete());
      };
      signal?.addEventListener('abort', stop, { once: true });
      return () => {
        signal?.removeEventListener('abort', stop);
        subscription.unsubscribe();
        void session.close();
      };
    });
}
