import { concatMap, from, Observable, type OperatorFunction } from 'rxjs';
import { launchBrowser, type LaunchOptions, type PlaywrightBrowser, type PlaywrightContext } from '../discovery/browser.ts';
import { judgeReading, type DayReading } from '../discovery/completeness.ts';
import { HistoryTab, type HistoryReadOptions } from '../discovery/history-tab.ts';
import { assertName, parseDate } from '../frame/time.ts';
import { InputError } from '../errors.ts';
import { frameItem, type FrameItem } from '../items.ts';
import type { DiscoveryCache } from '../catalog/discovery-cache.ts';
import { assertHttpUrl } from '../operators/build-urls.ts';
import { DEFAULTS } from '../settings.ts';

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
  /** Frames read on earlier runs (see `catalogDiscoveryCache`): a date found there is not browsed; no browser starts for it. Only complete days are kept. */
  readonly cache?: DiscoveryCache;
  /** Called for every date and stream with how completely its History was read (see `judgeReading`). */
  readonly onDayRead?: (reading: DayReading) => void;
}

/** `<pageUrl>/terminal_cameras/<terminal>?streamName=<stream>` */
export function historyPageUrl(pageUrl: string, terminal: string, stream: string): string {
  return `${pageUrl.replace(/\/+$/, '')}/terminal_cameras/${terminal}?streamName=${encodeURIComponent(stream)}`;
}

type SessionOptions = Required<Omit<DiscoverFramesOptions, 'browser' | 'signal' | 'cache' | 'onDayRead'>> & {
  readonly browser: DiscoverBrowserOptions;
};

interface BrowserHandle {
  readonly browser: PlaywrightBrowser;
  readonly owned: boolean;
}

/** One browser (launched on the first date) and one reused tab per stream, for every date of a subscription. */
class DiscoverySession {
  readonly #options: SessionOptions;
  readonly #tabs = new Map<string, Promise<HistoryTab>>();
  readonly #contexts: Promise<PlaywrightContext>[] = [];
  #handle: Promise<BrowserHandle> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: SessionOptions) {
    this.#options = options;
  }

  /**
   * A context of its own for each tab: tabs of one context share one focus, and the calendar of a
   * tab without it does not open while the other tab works.
   */
  #context(): Promise<PlaywrightContext> {
    this.#handle ??= (async () => {
      const { instance, ...launch } = this.#options.browser;
      return { browser: instance ?? (await launchBrowser(launch)), owned: instance === undefined };
    })();
    // UTC, like the CDN's date folders: a page that shows days in the browser's time zone shows UTC days.
    const context = this.#handle.then(({ browser }) => browser.newContext({ timezoneId: 'UTC', locale: 'en-US', serviceWorkers: 'block' }));
    this.#contexts.push(context);
    return context;
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

  /** The frames of every stream on one date (streams in the order given, each in time order), and how completely each stream was read. */
  async framesOn(date: string): Promise<{ items: FrameItem[]; readings: DayReading[] }> {
    parseDate(date);
    if (this.#closing) throw new Error('frame discovery was stopped');
    const { streams, terminal } = this.#options;
    const perStream = await Promise.all(streams.map(async (stream) => (await this.#tab(stream)).readDay(date, terminal, stream)));
    return {
      items: perStream.flatMap(({ frames }) => frames).map(frameItem),
      readings: perStream.map(({ outcome }) => judgeReading(outcome)),
    };
  }

  /** Closes the browser it launched (or its own contexts in a browser it was given); never rejects. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const handle = await this.#handle?.catch(() => undefined);
      if (!handle) return;
      if (handle.owned) return handle.browser.close().catch(() => undefined);
      await Promise.all(this.#contexts.map((context) => context.then((opened) => opened.close()).catch(() => undefined)));
    })();
    return this.#closing;
  }
}

/**
 * Dates (`YYYY-MM-DD`, UTC) to the frames the camera really shot, read from its public history
 * page in headless Chromium (playwright-core, an optional peer dependency): for each date it picks
 * the day, reads the History to its end and collects every frame the page shows or loads;
 * thumbnails and full-size URLs of one frame are one frame. `onDayRead` hears how completely each
 * date and stream was read. Emits per date, stream by stream, in
 * time order, as soon as the date is read (so downloads of one date overlap discovery of the next).
 * One browser serves the whole subscription and is closed on completion, error, unsubscribe and
 * when `signal` aborts.
 */
export function discoverFrames(options: DiscoverFramesOptions = {}): OperatorFunction<string, FrameItem> {
  const {
    streams = DEFAULTS.streams,
    terminal = DEFAULTS.terminal,
    pageUrl = DEFAULTS.pageUrl,
    browser = {},
    signal,
    cache,
    onDayRead,
  } = options;
  if (streams.length === 0) throw new InputError('invalid streams "": name at least one stream');
  for (const stream of streams) assertName(stream, 'stream');
  assertName(terminal, 'terminal');
  assertHttpUrl(pageUrl, 'page URL');
  return (dates) =>
    new Observable<FrameItem>((subscriber) => {
      if (signal?.aborted) return subscriber.complete();
      const session = new DiscoverySession({ streams, terminal, pageUrl, browser });
      const framesOn = async (date: string): Promise<FrameItem[]> => {
        const cached = await cache?.load(date, terminal, streams);
        if (cached) {
          for (const stream of streams) {
            const found = cached.filter((frame) => frame.stream === stream).length;
            onDayRead?.({ date, stream, found, expected: null, status: 'complete', note: 'kept from an earlier run' });
          }
          return cached.map(frameItem);
        }
        const { items, readings } = await session.framesOn(date);
        for (const reading of readings) onDayRead?.(reading);
        // a day read short is never kept: the next run reads its page again
        const complete = readings.filter(({ status }) => status === 'complete').map(({ stream }) => stream);
        await cache?.save(
          date,
          terminal,
          complete,
          items.map(({ frame }) => frame).filter((frame) => complete.includes(frame.stream)),
        );
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
