// Discovery in a real headless Chromium (Debian's, driven by playwright-core) against the simulator's
// history page. One browser is shared by the library tests of this file; CLI runs start their own.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { firstValueFrom, lastValueFrom, of, Subject, take, toArray, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser, type PlaywrightBrowser } from '../../src/discovery/browser.ts';
import { runDownload } from '../../src/download.ts';
import { catalogDiscoveryCache } from '../../src/catalog/discovery-cache.ts';
import { openCatalog } from '../../src/catalog/open-catalog.ts';
import type { DayReading } from '../../src/discovery/completeness.ts';
import { InputError } from '../../src/errors.ts';
import type { FrameItem } from '../../src/items.ts';
import { startSimulator, type SimFrame, type Simulator } from '../../src/simulator/index.ts';
import { discoverFrames, type DiscoverFramesOptions } from '../../src/sources/discover-frames.ts';
import { browserForTests } from '../support/browser.ts';
import { listTree, runCli } from '../support/cli.ts';

const CHROMIUM = browserForTests(import.meta.filename);
const DATES = ['2025-09-01', '2025-09-02'];
const STREAMS = ['in_gate', 'out_gate'];

let sim: Simulator;
let browser: PlaywrightBrowser;
let root: string;

const freshDir = (name: string) => mkdtempSync(join(root, `${name}-`));
const all = <T>(source: Observable<T>) => lastValueFrom(source.pipe(toArray()));
const simFrames = (dates = DATES, streams = STREAMS): SimFrame[] =>
  dates.flatMap((date) => streams.flatMap((stream) => sim.frames(date, stream)));
const asItems = (frames: SimFrame[]): FrameItem[] =>
  frames.map(({ terminal, stream, capturedAt, date }) => ({ kind: 'frame', frame: { terminal, stream, capturedAt, date } }));
const compactName = (frame: Pick<SimFrame, 'capturedAt' | 'stream'>) => `${frame.capturedAt.replace(/[-T:]/g, '')}_${frame.stream}.jpg`;
const discover = (dates: string[], options: DiscoverFramesOptions = {}) =>
  all(
    of(...dates).pipe(discoverFrames({ pageUrl: sim.url, ...options, browser: { instance: browser, settleMs: 250, ...options.browser } })),
  );
/** Contexts open in the shared browser: discovery opens one per subscription and must close it. */
const openContexts = () => (browser as unknown as Browser).contexts().length;

/** Chromium processes started by this process (the shared browser included). */
function browserChildren(): number {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [, comm, rest] = /^\d+ \((.*)\) (.*)$/.exec(stat) ?? [];
        return Number(rest?.split(' ')[1]) === process.pid && /chrom/i.test(comm ?? '');
      } catch {
        return false;
      }
    }).length;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'draydog-discover-'));
  sim = await startSimulator({ timing: 'irregular', faults: 'mild', frameSize: 'small', missing: 0.1, thumbnailOnly: 0.05, seed: 11 });
  if (CHROMIUM) browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await sim?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

// the history page is a Vue 2 + Element UI app: each tab loads and compiles it, which takes seconds on a busy machine
describe.skipIf(!CHROMIUM)('discoverFrames in headless Chromium', { timeout: 90_000 }, () => {
  it('finds exactly the frames the camera serves, for two days and both streams, without fetching a frame', async () => {
    const expected = simFrames();
    expect(expected.some((frame) => frame.thumbnailOnly)).toBe(true);
    sim.resetStats();

    const found = await discover(DATES);

    expect(found).toEqual(asItems(expected));
    expect(sim.stats().totalRequests).toBe(0);
    expect(openContexts()).toBe(0);
  });

  it('also finds them with the images loaded (from the img elements and the network alike)', async () => {
    sim.resetStats();
    const found = await discover(['2025-09-03'], { streams: ['out_gate'], browser: { loadImages: true } });
    expect(found).toEqual(asItems(simFrames(['2025-09-03'], ['out_gate'])));
    expect(sim.stats().totalRequests).toBeGreaterThan(0);
  });

  it('a stream without frames yields none, promptly', async () => {
    const started = Date.now();
    expect(await discover(['2025-09-01'], { streams: ['north_gate'] })).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('emits each date as soon as it is read, before the next date even arrives', async () => {
    const dates = new Subject<string>();
    const items: FrameItem[] = [];
    const done = new Promise<void>((resolve, reject) => {
      dates.pipe(discoverFrames({ pageUrl: sim.url, streams: ['in_gate'], browser: { instance: browser } })).subscribe({
        next: (item) => items.push(item),
        error: reject,
        complete: resolve,
      });
    });
    dates.next(DATES[0]);
    await vi.waitFor(() => expect(items).toEqual(asItems(simFrames([DATES[0]], ['in_gate']))), { timeout: 15_000 });
    dates.next(DATES[1]);
    dates.complete();
    await done;
    expect(items).toEqual(asItems(simFrames(DATES, ['in_gate'])));
    expect(openContexts()).toBe(0);
  });

  it('closes what it opened on unsubscribe and on error', async () => {
    const first = await firstValueFrom(of(...DATES).pipe(discoverFrames({ pageUrl: sim.url, browser: { instance: browser } }), take(1)));
    expect(first).toEqual(asItems(simFrames(['2025-09-01'], ['in_gate']))[0]);
    await vi.waitFor(() => expect(openContexts()).toBe(0));

    const failed = await all(
      of('2025-09-01', '2025-02-30').pipe(discoverFrames({ pageUrl: sim.url, browser: { instance: browser } })),
    ).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(InputError);
    expect((failed as Error).message).toContain('2025-02-30');
    expect(openContexts()).toBe(0);
  });

  it('stops reading pages when its signal aborts: it completes with the dates read so far', async () => {
    const stop = new AbortController();
    const firstDay = simFrames([DATES[0]], ['in_gate']).length;
    const done = all(
      of(...DATES, '2025-09-03').pipe(
        discoverFrames({ pageUrl: sim.url, streams: ['in_gate'], browser: { instance: browser }, signal: stop.signal }),
      ),
    );
    await vi.waitFor(() => expect(openContexts()).toBe(1));
    stop.abort();
    const found = await done;
    expect(found.length).toBeLessThanOrEqual(firstDay);
    expect(openContexts()).toBe(0);
    expect(await all(of(...DATES).pipe(discoverFrames({ pageUrl: sim.url, browser: { instance: browser }, signal: stop.signal })))).toEqual(
      [],
    );
  });

  it('keeps what it read of past dates in the catalog: a rerun browses nothing and needs no browser', async () => {
    const dir = freshDir('cached');
    const options = {
      from: DATES[0],
      to: DATES[1],
      baseUrl: sim.url,
      out: join(dir, 'images'),
      dbPath: join(dir, 'catalog.sqlite'),
      retryDelayMs: 10,
      maxRetryAfterMs: 50,
    };
    const first = await runDownload({ ...options, discover: { pageUrl: sim.url, browser: { instance: browser, settleMs: 250 } } });
    expect(first.stats.downloaded).toBe(simFrames().length);
    // a browser that cannot start: only the cache can answer
    const second = await runDownload({
      ...options,
      discover: { pageUrl: sim.url, browser: { executablePath: join(dir, 'no-such-browser') } },
    });
    expect(second.stats).toMatchObject({ requested: simFrames().length, alreadyExisted: simFrames().length, downloaded: 0, failed: 0 });
    // the command line does not ask for a browser either when every date is kept
    const cli = await runCli(
      [
        'download',
        '--from',
        DATES[0],
        '--to',
        DATES[1],
        '--discover',
        '--page-url',
        sim.url,
        '--base-url',
        sim.url,
        '--browser-path',
        join(dir, 'no-such-browser'),
        '--out',
        'images',
        '--db',
        'catalog.sqlite',
        '--json',
      ],
      { cwd: dir },
    );
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).stats).toMatchObject({ alreadyExisted: simFrames().length, downloaded: 0, failed: 0 });
    // a date not kept yet still needs the browser, and says so before anything starts
    const uncached = await runCli(
      [
        'download',
        '--from',
        DATES[0],
        '--to',
        '2025-09-20',
        '--discover',
        '--page-url',
        sim.url,
        '--browser-path',
        join(dir, 'no-such-browser'),
        '--db',
        'catalog.sqlite',
      ],
      { cwd: dir },
    );
    expect([uncached.code, uncached.stderr]).toEqual([2, expect.stringContaining('no-such-browser')]);
  });

  it('does not keep today: a date is final only an hour after it ended', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const orm = await openCatalog({ dbPath: join(freshDir('today'), 'catalog.sqlite') });
    try {
      const cache = catalogDiscoveryCache(orm);
      await cache.save(today, 'apm', ['in_gate'], [{ terminal: 'apm', stream: 'in_gate', capturedAt: `${today}T00:00:05`, date: today }]);
      expect(await cache.load(today, 'apm', ['in_gate'])).toBeUndefined();
      await cache.save(
        DATES[0],
        'apm',
        ['in_gate', 'out_gate'],
        [{ terminal: 'apm', stream: 'in_gate', capturedAt: `${DATES[0]}T00:00:05`, date: DATES[0] }],
      );
      expect(await cache.load(DATES[0], 'apm', ['in_gate', 'out_gate'])).toEqual([
        { terminal: 'apm', stream: 'in_gate', capturedAt: `${DATES[0]}T00:00:05`, date: DATES[0] },
      ]);
      expect(await cache.load(DATES[0], 'apm', ['in_gate', 'east_gate'])).toBeUndefined();
    } finally {
      await orm.close();
    }
  });

  it('runDownload stops discovering when it is interrupted', async () => {
    const dir = freshDir('interrupted');
    const stop = new AbortController();
    const report = await runDownload({
      from: '2025-09-01',
      to: '2025-09-10',
      streams: ['in_gate'],
      discover: { pageUrl: sim.url, browser: { instance: browser } },
      baseUrl: sim.url,
      out: join(dir, 'images'),
      dbPath: join(dir, 'catalog.sqlite'),
      retryDelayMs: 10,
      maxRetryAfterMs: 50,
      signal: stop.signal,
      onProgress: (tally) => tally.stats.requested > 0 && stop.abort(),
    });
    expect(report.interrupted).toBe(true);
    expect(report.config.discover).toEqual({ pageUrl: sim.url });
    expect(report.stats.requested).toBeGreaterThan(0);
    expect(report.stats.requested).toBeLessThan(simFrames(['2025-09-01', '2025-09-02'], ['in_gate']).length);
    expect(openContexts()).toBe(0);
  });

  it('a browser it launches itself is closed on completion, unsubscribe and error', async () => {
    const before = browserChildren();
    const own = (dates: string[]) => of(...dates).pipe(discoverFrames({ pageUrl: sim.url, streams: ['out_gate'] }));

    expect(await all(own(['2025-09-01']))).toEqual(asItems(simFrames(['2025-09-01'], ['out_gate'])));
    expect(browserChildren()).toBe(before);

    await firstValueFrom(own(DATES));
    await vi.waitFor(() => expect(browserChildren()).toBe(before), { timeout: 10_000 });

    await expect(all(own(['2025-09-01', 'not-a-date']))).rejects.toThrow(InputError);
    expect(browserChildren()).toBe(before);
  });
});

describe.skipIf(!CHROMIUM)('discoverFrames: a history page that misbehaves', { timeout: 90_000 }, () => {
  let proxy: Server;
  let proxyUrl: string;
  const behaviour = { failHistory: 0, hangHistory: false, noPicker: false, pageStatus: 200 };

  beforeAll(async () => {
    // The simulator's page, behind a proxy that can break it.
    proxy = createServer(async (request, response) => {
      const url = request.url ?? '/';
      if (url.startsWith('/api/history') && behaviour.hangHistory) return;
      if (url.startsWith('/api/history') && behaviour.failHistory > 0) {
        behaviour.failHistory -= 1;
        return response.writeHead(503).end('busy');
      }
      if (url.startsWith('/terminal_cameras/') && behaviour.pageStatus !== 200) return response.writeHead(behaviour.pageStatus).end('gone');
      if (url.startsWith('/terminal_cameras/') && behaviour.noPicker) {
        return response.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><p>Down for maintenance</p>');
      }
      const upstream = await fetch(sim.url + url);
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
      response.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  });
  const fresh = () => Object.assign(behaviour, { failHistory: 0, hangHistory: false, noPicker: false, pageStatus: 200 });

  it('reloads the page when the History fails to load, then reads it whole', async () => {
    fresh().failHistory = 2;
    const found = await discover(['2025-09-04'], { pageUrl: proxyUrl, streams: ['in_gate'] });
    expect(found).toEqual(asItems(simFrames(['2025-09-04'], ['in_gate'])));
    expect(behaviour.failHistory).toBe(0);
  });

  it('a History that keeps failing is read as incomplete, naming the day, after a reload', async () => {
    fresh().failHistory = 100;
    const readings: DayReading[] = [];
    const found = await discover(['2025-09-04'], {
      pageUrl: proxyUrl,
      streams: ['in_gate'],
      browser: { retries: 1 },
      onDayRead: (reading) => readings.push(reading),
    });
    expect(found).toEqual([]);
    expect(readings).toEqual([
      {
        date: '2025-09-04',
        stream: 'in_gate',
        found: 0,
        expected: null,
        status: 'incomplete',
        note: 'some of its requests failed; the page gave no total',
      },
    ]);
    // two loads of the page, each asking for the day it opens on and for the day picked
    expect(100 - behaviour.failHistory).toBe(4);
    expect(openContexts()).toBe(0);
  });

  it('a History that never finishes loading is incomplete after the page timeout', async () => {
    fresh().hangHistory = true;
    const readings: DayReading[] = [];
    await discover(['2025-09-04'], {
      pageUrl: proxyUrl,
      streams: ['in_gate'],
      browser: { timeoutMs: 3000, retries: 0 },
      onDayRead: (reading) => readings.push(reading),
    });
    expect(readings).toEqual([
      {
        date: '2025-09-04',
        stream: 'in_gate',
        found: 0,
        expected: null,
        status: 'incomplete',
        note: 'it was still loading after 3000 ms (--page-timeout); the page gave no total',
      },
    ]);
  });

  it('fails when the page is not there or has no day picker', async () => {
    fresh().pageStatus = 404;
    await expect(discover(['2025-09-04'], { pageUrl: proxyUrl, streams: ['in_gate'] })).rejects.toThrow(
      `the history page ${proxyUrl}/terminal_cameras/apm?streamName=in_gate answered HTTP 404`,
    );
    fresh().noPicker = true;
    await expect(discover(['2025-09-04'], { pageUrl: proxyUrl, streams: ['in_gate'], browser: { timeoutMs: 1000 } })).rejects.toThrow(
      'showed no day picker within 1000 ms',
    );
    expect(openContexts()).toBe(0);
  });
});

describe.skipIf(!CHROMIUM)('draydog discover and download --discover', { timeout: 90_000 }, () => {
  const fast = ['--retry-delay', '10', '--max-retry-after', '50', '--concurrency', '16'];
  const range = ['--from', DATES[0], '--to', DATES[1]];

  it('discover prints a frames file of exactly the camera frames, which download --frames takes', async () => {
    const dir = freshDir('discover');
    const expected = simFrames();

    const run = await runCli(['discover', ...range, '--page-url', sim.url, '--base-url', 'https://cdn.draydog.com'], { cwd: dir });

    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`# draydog discover --from ${DATES[0]} --to ${DATES[1]} --streams in_gate,out_gate --terminal apm`);
    expect(lines.slice(1)).toEqual(expected.map((frame) => `https://cdn.draydog.com${frame.fullPath}`));
    const perStream = STREAMS.map((stream) => `${stream} ${expected.filter((frame) => frame.stream === stream).length}`).join(', ');
    expect(run.stderr).toContain(`Discovered ${expected.length} frames on 2 days (${perStream})`);

    writeFileSync(join(dir, 'frames.txt'), run.stdout);
    const plan = await runCli(['download', '--frames', 'frames.txt', '--base-url', sim.url, '--dry-run', '--json'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).plan).toEqual(
      DATES.flatMap((date) =>
        STREAMS.map((stream) => ({
          date,
          stream,
          frames: sim.frames(date, stream).length,
          onDisk: 0,
          toFetch: sim.frames(date, stream).length,
        })),
      ),
    );
  });

  it('download --discover with mild faults gets every frame, none missing, none extra; the grid gets almost none', async () => {
    const dir = freshDir('download');
    const expected = simFrames();
    const downloadArgs = (out: string) => [
      'download',
      ...range,
      '--base-url',
      sim.url,
      '--out',
      `${out}/images`,
      '--db',
      `${out}/catalog.sqlite`,
      '--report',
      `${out}/report.json`,
      ...fast,
    ];

    const run = await runCli([...downloadArgs('discovered'), '--discover', '--page-url', sim.url], { cwd: dir });

    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'discovered', 'report.json'), 'utf8'));
    expect(report.stats).toMatchObject({
      requested: expected.length,
      downloaded: expected.length,
      notFound: 0,
      failed: 0,
      thumbnails: expected.filter((frame) => frame.thumbnailOnly).length,
    });
    expect(report.config.discover).toEqual({ pageUrl: sim.url });
    for (const date of DATES) {
      for (const stream of STREAMS) {
        const files = listTree(join(dir, 'discovered', 'images', date, stream));
        expect(files, `${date}/${stream}`).toEqual(sim.frames(date, stream).map(compactName).sort());
        for (const frame of sim.frames(date, stream).slice(0, 5)) {
          const bytes = sim.frameBytes(stream, frame.capturedAt, frame.thumbnailOnly ? 'thumbnail' : 'full')!;
          expect(readFileSync(join(dir, 'discovered', 'images', date, stream, compactName(frame))).equals(bytes)).toBe(true);
        }
      }
    }

    // (its exit code is not checked: mild faults on URLs of frames that do not exist can end as failures)
    await runCli(downloadArgs('grid'), { cwd: dir });
    const gridReport = JSON.parse(readFileSync(join(dir, 'grid', 'report.json'), 'utf8'));
    expect(gridReport.stats.requested).toBe(576);
    expect(gridReport.stats.downloaded).toBeLessThan(expected.length * 0.05);
  });

  describe('what is missing is named, with exit 2 and nothing written', () => {
    const noPlaywright = () => {
      const hook = join(root, 'no-playwright.mjs');
      writeFileSync(
        hook,
        `import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'playwright-core') {
      throw Object.assign(new Error("Cannot find package 'playwright-core' imported from " + context.parentURL), { code: 'ERR_MODULE_NOT_FOUND' });
    }
    return next(specifier, context);
  },
});
`,
      );
      return { NODE_OPTIONS: `--import=${hook}` };
    };
    const cases = [
      {
        name: 'a --browser-path that is not there',
        args: ['discover', ...range, '--browser-path', '/no/such/chromium'],
        env: {},
        named: 'apt-get install -y chromium',
      },
      {
        name: 'a DRAYDOG_BROWSER that is not there',
        args: ['download', '--discover', ...range],
        env: { DRAYDOG_BROWSER: '/no/such/chrome' },
        named: 'invalid DRAYDOG_BROWSER "/no/such/chrome"',
      },
      {
        name: 'download --discover with --frames',
        args: ['download', '--discover', '--frames', 'f.txt'],
        env: {},
        named: 'invalid --discover with --frames',
      },
      { name: 'discover without --from', args: ['discover'], env: {}, named: 'missing --from' },
      { name: 'discover with a bad date', args: ['discover', '--from', '2025-02-30'], env: {}, named: '2025-02-30' },
    ];

    it.for(cases)('$name', async ({ args, env, named }) => {
      const dir = freshDir('missing');
      const run = await runCli([...args, '--page-url', sim.url, '--base-url', sim.url], { cwd: dir, env });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(named);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stdout).toBe('');
      expect(listTree(dir)).toEqual([]);
    });

    it.for([['discover'], ['download', '--discover']])('playwright-core not installed: %s', async (command) => {
      const dir = freshDir('no-playwright');
      const run = await runCli([...command, ...range, '--page-url', sim.url, '--base-url', sim.url], {
        cwd: dir,
        env: noPlaywright(),
        spawned: true,
      });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toBe(
        'draydog: discovering frames needs playwright-core, which is not installed: run `npm install playwright-core`\n',
      );
      expect(run.stdout).toBe('');
      expect(listTree(dir)).toEqual([]);
    });
  });
});
