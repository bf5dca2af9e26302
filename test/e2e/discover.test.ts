// Discovery without a browser: URL-to-frame parsing, de-duplication, the browser and playwright-core
// checks, and the simulator's history page as plain HTTP. The browser tests are in discover-browser.test.ts.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBrowserAvailable, launchBrowser, loadPlaywright, resolveBrowserPath } from '../../src/discovery/browser.ts';
import { FrameSet, frameOfUrl, framesFromUrls, frameUrlsIn } from '../../src/discovery/frame-set.ts';
import { frameRangeCount } from '../../src/sources/frame-range.ts';
import { InputError } from '../../src/errors.ts';
import { resolveSimulatorOptions, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { judgeReading, shortDayWarnings } from '../../src/discovery/completeness.ts';
import { listedTimesIn, statedTotalsIn, utcTimeOf } from '../../src/discovery/day-answers.ts';
import { monthOfHeader, showsDate } from '../../src/discovery/day-picker.ts';
import { answerApiRequest, answerHistoryRequest } from '../../src/simulator/history-page.ts';
import { createCamera } from '../../src/simulator/camera.ts';
import { discoverFrames, historyPageUrl } from '../../src/sources/discover-frames.ts';
import { useTempDir } from '../support/temp-dir.ts';

const CDN = 'https://cdn.draydog.com';
const FULL = `${CDN}/apm/2025-09-06/0/2025-09-06T00:20:27-in_gate.jpeg`;
const THUMBNAIL = `${CDN}/apm/2025-09-06/0/2025-09-06T00:20:27-in_gate-thumbnail.jpeg`;
const frame = (stream: string, capturedAt: string) => ({ terminal: 'apm', stream, capturedAt, date: capturedAt.slice(0, 10) });

describe('URL to frame', () => {
  it('a thumbnail and the full-size image of one frame name the same frame', () => {
    expect(frameOfUrl(FULL)).toEqual(frame('in_gate', '2025-09-06T00:20:27'));
    expect(frameOfUrl(THUMBNAIL)).toEqual(frameOfUrl(FULL));
  });

  it('reads relative paths, encoded colons, query strings and other hosts', () => {
    const expected = frame('out_gate', '2025-09-06T21:07:40');
    expect(frameOfUrl('/apm/2025-09-06/21/2025-09-06T21:07:40-out_gate-thumbnail.jpeg')).toEqual(expected);
    expect(frameOfUrl('http://127.0.0.1:3000/apm/2025-09-06/21/2025-09-06T21%3A07%3A40-out_gate.jpeg?v=2')).toEqual(expected);
    expect(frameOfUrl('https://images.example/cdn/apm/2025-09-06/21/2025-09-06T21:07:40-out_gate.jpeg')).toEqual(expected);
  });

  it.each([
    ['an hour folder that is not the hour', `${CDN}/apm/2025-09-06/3/2025-09-06T00:20:27-in_gate.jpeg`],
    ['a date folder that is not the date', `${CDN}/apm/2025-09-07/0/2025-09-06T00:20:27-in_gate.jpeg`],
    ['a time that does not exist', `${CDN}/apm/2025-09-06/0/2025-09-06T00:61:27-in_gate.jpeg`],
    ['a .jpg', `${CDN}/apm/2025-09-06/0/2025-09-06T00:20:27-in_gate.jpg`],
    ['the app logo', 'https://app.draydog.com/img/logo.png'],
    ['not a URL', 'http://['],
  ])('names no frame for %s', (_, url) => {
    expect(frameOfUrl(url)).toBeUndefined();
  });

  it('finds frame URLs in JSON (slashes escaped or not), srcset and style attributes, and skips other images', () => {
    const json = JSON.stringify({ images: [{ thumbnail: THUMBNAIL, image: FULL }] });
    const escaped = json.replaceAll('/', '\\/');
    const srcset = `${THUMBNAIL} 1x, /apm/2025-09-06/0/2025-09-06T00:31:02-in_gate.jpeg 2x`;
    const style = `background-image: url("${CDN}/apm/2025-09-06/1/2025-09-06T01:02:03-out_gate-thumbnail.jpeg")`;
    expect(frameUrlsIn(json)).toEqual([THUMBNAIL, FULL]);
    expect(frameUrlsIn(escaped)).toEqual([THUMBNAIL, FULL]);
    expect(frameUrlsIn(srcset)).toEqual([THUMBNAIL, '/apm/2025-09-06/0/2025-09-06T00:31:02-in_gate.jpeg']);
    expect(frameUrlsIn(style)).toEqual([`${CDN}/apm/2025-09-06/1/2025-09-06T01:02:03-out_gate-thumbnail.jpeg`]);
    expect(frameUrlsIn('<img src="/img/logo.jpeg"> nothing here')).toEqual([]);
  });
});

describe('de-duplication', () => {
  it('keeps one frame per stream and capture time, sorted by stream then time', () => {
    const items = framesFromUrls([
      `${CDN}/apm/2025-09-06/20/2025-09-06T20:19:06-out_gate.jpeg`,
      THUMBNAIL,
      `${CDN}/apm/2025-09-06/20/2025-09-06T20:08:39-in_gate-thumbnail.jpeg`,
      FULL,
      'https://app.draydog.com/favicon.ico',
      `${CDN}/apm/2025-09-06/20/2025-09-06T20:08:39-in_gate.jpeg`,
      THUMBNAIL,
    ]);
    expect(items).toEqual([
      { kind: 'frame', frame: frame('in_gate', '2025-09-06T00:20:27') },
      { kind: 'frame', frame: frame('in_gate', '2025-09-06T20:08:39') },
      { kind: 'frame', frame: frame('out_gate', '2025-09-06T20:19:06') },
    ]);
  });

  it('filters by terminal, date and streams, in the order of the streams given', () => {
    const set = new FrameSet();
    set.addText(
      `${FULL} ${CDN}/lbct/2025-09-06/0/2025-09-06T00:20:27-in_gate.jpeg ${CDN}/apm/2025-09-07/5/2025-09-07T05:00:01-in_gate.jpeg`,
    );
    expect(set.addUrl(`${CDN}/apm/2025-09-06/1/2025-09-06T01:00:00-out_gate.jpeg`)).toBe(true);
    expect(set.addUrl('https://example.com/logo.jpeg')).toBe(false);
    expect(set.size).toBe(4);
    expect(set.frames({ terminal: 'apm', date: '2025-09-06', streams: ['out_gate', 'in_gate'] }).map((f) => f.stream)).toEqual([
      'out_gate',
      'in_gate',
    ]);
    expect(set.frames({ terminal: 'apm', date: '2025-09-06', streams: ['in_gate'] })).toEqual([frame('in_gate', '2025-09-06T00:20:27')]);
    expect(set.frames({ terminal: 'lbct' })).toHaveLength(1);
    set.clear();
    expect(set.frames()).toEqual([]);
  });
});

describe('playwright-core and the browser', () => {
  const tempDir = useTempDir();
  const notFound = (specifier: string) =>
    Object.assign(new Error(`Cannot find package '${specifier}' imported from x.ts`), { code: 'ERR_MODULE_NOT_FOUND' });

  it('a missing playwright-core is an InputError that says what to install', async () => {
    const error = await loadPlaywright(() => Promise.reject(notFound('playwright-core'))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('npm install playwright-core');
    await expect(assertBrowserAvailable({ importer: () => Promise.reject(notFound('playwright-core')) })).rejects.toThrow(
      'npm install playwright-core',
    );
  });

  it('other import failures are not hidden', async () => {
    await expect(loadPlaywright(() => Promise.reject(notFound('some-dependency-of-it')))).rejects.toThrow(
      "Cannot find package 'some-dependency-of-it'",
    );
    await expect(loadPlaywright(() => Promise.reject(new SyntaxError('bad module')))).rejects.toThrow(SyntaxError);
  });

  it('takes the launcher from the module or its default export, and refuses a module without one', async () => {
    const chromium = { launch: async () => ({}) as never };
    expect((await loadPlaywright(async () => ({ chromium }))).chromium).toBe(chromium);
    expect((await loadPlaywright(async () => ({ default: { chromium } }))).chromium).toBe(chromium);
    await expect(loadPlaywright(async () => ({}))).rejects.toThrow(InputError);
    expect((await loadPlaywright()).chromium).toBeDefined();
  });

  it('a browser path that is not an executable file is an InputError naming the path and how to install one', () => {
    const directory = tempDir();
    const notExecutable = join(directory, 'chromium');
    writeFileSync(notExecutable, '#!/bin/sh\n');
    chmodSync(notExecutable, 0o644);
    for (const path of ['/no/such/chromium', directory, notExecutable]) {
      const error = (() => {
        try {
          return resolveBrowserPath(path, {});
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toContain(`invalid --browser-path "${path}"`);
      expect((error as Error).message).toContain('apt-get install -y chromium');
    }
    expect(() => resolveBrowserPath(undefined, { DRAYDOG_BROWSER: '/no/such/chrome' })).toThrow(
      'invalid DRAYDOG_BROWSER "/no/such/chrome"',
    );
    expect(() => resolveBrowserPath(undefined, {}, ['/no/such/a', '/no/such/b'])).toThrow(
      'no Chromium found (looked for /no/such/a, /no/such/b): install Chromium (apt-get install -y chromium)',
    );
  });

  it('--browser-path wins over DRAYDOG_BROWSER, which wins over the usual places', () => {
    const directory = tempDir();
    mkdirSync(join(directory, 'bin'));
    const [first, second] = ['one', 'two'].map((name) => {
      const path = join(directory, 'bin', name);
      writeFileSync(path, '#!/bin/sh\n');
      chmodSync(path, 0o755);
      return path;
    });
    expect(resolveBrowserPath(first, { DRAYDOG_BROWSER: second })).toBe(first);
    expect(resolveBrowserPath(undefined, { DRAYDOG_BROWSER: second })).toBe(second);
    expect(resolveBrowserPath(undefined, {}, ['/no/such/a', second, first])).toBe(second);
  });

  it('a browser that does not start is an error naming its path', async () => {
    const launch = async () => {
      throw new Error('Failed to launch: exec format error\n  at somewhere');
    };
    await expect(launchBrowser({ executablePath: process.execPath, importer: async () => ({ chromium: { launch } }) })).rejects.toThrow(
      `cannot start the browser "${process.execPath}": Failed to launch: exec format error`,
    );
  });
});

describe('discoverFrames: options', () => {
  it.each([
    [{ streams: [] }, 'invalid streams ""'],
    [{ streams: ['../x'] }, 'invalid stream "../x"'],
    [{ terminal: 'APM' }, 'invalid terminal "APM"'],
    [{ pageUrl: 'ftp://app.draydog.com' }, 'invalid page URL "ftp://app.draydog.com"'],
    [{ pageUrl: 'app.draydog.com' }, 'invalid page URL "app.draydog.com"'],
  ])('rejects %j on call', (options, message) => {
    expect(() => discoverFrames(options)).toThrow(InputError);
    expect(() => discoverFrames(options)).toThrow(message);
  });

  it('builds the history page URL of a stream', () => {
    expect(historyPageUrl('https://app.draydog.com/', 'apm', 'in_gate')).toBe(
      'https://app.draydog.com/terminal_cameras/apm?streamName=in_gate',
    );
  });

  it('estimates a discovered total from the grid', async () => {
    expect(frameRangeCount({ from: '2025-09-01', to: '2025-09-02', streams: ['in_gate', 'out_gate'] })).toBe(576);
    expect(frameRangeCount({ from: '2025-09-01', streams: ['in_gate'], intervalMinutes: 60 })).toBe(24);
  });
});

describe('simulator: the camera history page over HTTP', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ frameSize: 'small', timing: 'irregular', faults: 'harsh', missing: 0.1, thumbnailOnly: 0.1, seed: 3 });
  });
  afterAll(() => sim?.close());

  it('serves a client-rendered page: the HTML and its script hold no frame URL', async () => {
    const page = await fetch(`${sim.url}/terminal_cameras/apm?streamName=in_gate`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<script src="/js/history.js"></script>');
    expect(frameUrlsIn(html)).toEqual([]);
    const script = await fetch(`${sim.url}/js/history.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
    const code = await script.text();
    expect(code).toContain('/api/history?');
    expect(frameUrlsIn(code)).toEqual([]);
    expect((await fetch(`${sim.url}/terminal_cameras/APM%2F..`)).status).toBe(404);
  });

  it('lists exactly the frames the camera serves on a day, thumbnail-only ones without a full-size link', async () => {
    const answer = (await (await fetch(`${sim.url}/api/history?terminal=apm&stream=out_gate&date=2025-09-02`)).json()) as {
      images: unknown[];
    };
    const frames = sim.frames('2025-09-02', 'out_gate');
    expect(frames.some((f) => f.thumbnailOnly)).toBe(true);
    expect(answer.images).toEqual(
      frames.map((f) => ({
        time: f.capturedAt,
        thumbnail: sim.url + f.thumbnailPath,
        ...(f.thumbnailOnly ? {} : { image: sim.url + f.fullPath }),
      })),
    );
    const other = (await (await fetch(`${sim.url}/api/history?terminal=lbct&stream=out_gate&date=2025-09-02`)).json()) as {
      images: unknown[];
    };
    expect(other.images).toEqual([]);
  });

  it('refuses a bad date, stream or terminal with 400', async () => {
    for (const query of [
      'terminal=apm&stream=in_gate&date=2025-02-30',
      'terminal=apm&stream=in_gate',
      'terminal=apm&stream=IN&date=2025-09-01',
      'stream=in_gate&date=2025-09-01',
    ]) {
      expect((await fetch(`${sim.url}/api/history?${query}`)).status, query).toBe(400);
    }
  });

  it('the live section shows the latest few frames up to now', () => {
    const camera = createCamera({ seed: 3 });
    const now = Date.parse('2025-09-06T00:25:00Z');
    const live = JSON.parse(answerApiRequest(camera, '/api/live?terminal=apm&stream=in_gate', 'http://x', now)!.body.toString());
    const expected = [...camera.frames('2025-09-05', 'in_gate'), ...camera.frames('2025-09-06', 'in_gate')]
      .filter((f) => f.capturedAt <= '2025-09-06T00:25:00')
      .slice(-4);
    expect(live.images.map((image: { time: string }) => image.time)).toEqual(expected.map((f) => f.capturedAt));
    expect(live.images[0].thumbnail).toMatch(/^http:\/\/x\/apm\//);
    const other = JSON.parse(answerApiRequest(camera, '/api/live?terminal=lbct&stream=in_gate', '', now)!.body.toString());
    expect(other.images).toEqual([]);
    expect(answerHistoryRequest(camera, '/apm/2025-09-06/0/2025-09-06T00:20:27-in_gate.jpeg', { cdn: '', api: '' })).toBeUndefined();
  });

  it('page requests get no faults and are not counted as frame requests', async () => {
    sim.resetStats();
    for (let i = 0; i < 20; i += 1) {
      expect((await fetch(`${sim.url}/api/history?terminal=apm&stream=in_gate&date=2025-09-0${(i % 9) + 1}`)).status).toBe(200);
    }
    expect(sim.stats().totalRequests).toBe(0);
  });
});

describe('what a history page says about a day', () => {
  it('reads capture times from the lists of an answer, in UTC, and no time outside a list', () => {
    const answer = JSON.stringify({
      generatedAt: '2025-09-04T23:59:59Z',
      data: {
        items: [{ time: '2025-09-04T00:03:12' }, { id: 7, takenAt: '2025-09-04T01:13:05.000Z' }, { time: '2025-09-04T03:00:00+02:00' }],
      },
      extra: ['2025-09-04 05:06:07', 'not a time', { from: '2025-09-04T06:00:00', to: '2025-09-04T07:00:00' }],
    });
    expect(listedTimesIn(answer)).toEqual(['2025-09-04T00:03:12', '2025-09-04T01:13:05', '2025-09-04T01:00:00', '2025-09-04T05:06:07']);
    expect(listedTimesIn('<html>not json</html>')).toEqual([]);
    expect(utcTimeOf('2025-09-04T25:00:00')).toBeUndefined();
  });

  it('reads the totals an answer states at its top level or one level down', () => {
    expect(statedTotalsIn(JSON.stringify({ total: 131, images: [{ count: 3 }] }))).toEqual([131]);
    expect(statedTotalsIn(JSON.stringify({ meta: { totalCount: 12 }, data: [] }))).toEqual([12]);
    expect(statedTotalsIn(JSON.stringify({ total: '5', count: -1 }))).toEqual([]);
    expect(statedTotalsIn('[1, 2]')).toEqual([]);
  });
});

describe('picking a day', () => {
  it('reads the month an Element UI calendar header shows', () => {
    expect(monthOfHeader('2025 September')).toBe(2025 * 12 + 8);
    expect(monthOfHeader('2025  Sep')).toBe(2025 * 12 + 8);
    expect(monthOfHeader('2025 年 9 月')).toBe(2025 * 12 + 8);
    expect(monthOfHeader('2020 - 2029')).toBeUndefined();
    expect(monthOfHeader('September')).toBeUndefined();
  });

  it.each([
    ['2025-09-05', true],
    ['Sep 5, 2025', true],
    ['September 5, 2025', true],
    ['5 Sep 2025', true],
    ['09/05/2025', true],
    ['Sep 15, 2025', false],
    ['Oct 5, 2025', false],
    ['2025-09-15', false],
    ['2026-09-05', false],
    ['Sep 5', false],
    ['', false],
  ])('"%s" shows 2025-09-05: %s', (value, shown) => {
    expect(showsDate(value, '2025-09-05')).toBe(shown);
  });
});

describe('judging a day read from the page', () => {
  const now = Date.parse('2025-09-10T00:00:00Z');
  it('compares with the total the page states', () => {
    expect(judgeReading({ date: '2025-09-04', stream: 'in_gate', found: 60, expected: 131 }, now)).toEqual({
      date: '2025-09-04',
      stream: 'in_gate',
      found: 60,
      expected: 131,
      status: 'incomplete',
      note: 'found 60 of the 131 the page says it has',
    });
    expect(judgeReading({ date: '2025-09-04', stream: 'in_gate', found: 131, expected: 131 }, now).status).toBe('complete');
    expect(judgeReading({ date: '2025-09-04', stream: 'in_gate', found: 0, expected: 0 }, now)).toMatchObject({
      status: 'complete',
      note: 'the page showed no frame',
    });
  });

  it('without a total: a read that stopped short is incomplete; a past day under half the cadence is suspect', () => {
    expect(
      judgeReading({ date: '2025-09-04', stream: 'in_gate', found: 140, stoppedShort: 'some of its requests failed' }, now),
    ).toMatchObject({ status: 'incomplete', expected: null });
    expect(judgeReading({ date: '2025-09-04', stream: 'in_gate', found: 71 }, now)).toMatchObject({
      status: 'suspect',
      note: 'only 71 frames and no total to compare (about 144 a day expected)',
    });
    expect(judgeReading({ date: '2025-09-04', stream: 'in_gate', found: 0 }, now)).toMatchObject({
      status: 'suspect',
      note: expect.stringContaining('the page showed no frame'),
    });
    expect(judgeReading({ date: '2025-09-04', stream: 'in_gate', found: 72 }, now).status).toBe('complete');
    // today is not over: few frames are no sign of a short read
    expect(judgeReading({ date: '2025-09-09', stream: 'in_gate', found: 10 }, Date.parse('2025-09-09T02:00:00Z')).status).toBe('complete');
  });

  it('warns once per day read short, naming the day, and says when the page showed none', () => {
    const readings = [
      judgeReading({ date: '2025-09-04', stream: 'in_gate', found: 60, expected: 131 }, now),
      judgeReading({ date: '2025-09-04', stream: 'out_gate', found: 131, expected: 131 }, now),
      judgeReading({ date: '2025-09-05', stream: 'north_gate', found: 0, expected: 0 }, now),
    ];
    expect(shortDayWarnings(readings)).toEqual([
      {
        level: 'warn',
        message: '2025-09-04 in_gate is incomplete: found 60 of the 131 the page says it has; a rerun reads its page again',
      },
      { level: 'info', message: '2025-09-05 north_gate: the page showed no frame (it says it has none)' },
    ]);
  });
});

describe('simulator: shapes of the history page', () => {
  it('answers the day list page by page, as times, and breaks after N pages when asked', () => {
    const camera = createCamera({ seed: 3, apiShape: 'times', breakAfterPages: 2 });
    const frames = camera.frames('2025-09-02', 'in_gate');
    const page = (n: number) =>
      answerApiRequest(camera, `/api/history?terminal=apm&stream=in_gate&date=2025-09-02&page=${n}&size=24`, 'http://x')!;
    expect(JSON.parse(page(2).body.toString())).toEqual({
      terminal: 'apm',
      stream: 'in_gate',
      date: '2025-09-02',
      total: frames.length,
      page: 2,
      size: 24,
      times: frames.slice(24, 48).map((frame) => ({ time: frame.capturedAt })),
    });
    expect(page(3).status).toBe(500);
    expect(answerApiRequest(camera, '/api/history?terminal=apm&stream=in_gate&date=2025-09-02&page=0', 'http://x')!.status).toBe(400);
  });

  it('serves the page from the real Vue 2 and Element UI, with its settings, and the API on another origin when asked', async () => {
    const sim = await startSimulator({
      frameSize: 'small',
      apiHost: 'separate',
      history: 'paged',
      picker: 'readonly',
      dateFormat: 'MMM d, yyyy',
    });
    try {
      expect(sim.apiUrl).not.toBe(sim.url);
      const html = await (await fetch(`${sim.url}/terminal_cameras/apm?streamName=in_gate`)).text();
      expect(html).toContain(`"api":"${sim.apiUrl}"`);
      expect(html).toContain('"shape":"paged","editable":false,"format":"MMM d, yyyy"');
      for (const path of ['/vendor/vue.js', '/vendor/element-ui.js', '/vendor/element-en.js', '/vendor/element.css'])
        expect((await fetch(sim.url + path)).status, path).toBe(200);
      expect((await fetch(`${sim.url}/api/history?terminal=apm&stream=in_gate&date=2025-09-02`)).status).toBe(404);
      const answer = await fetch(`${sim.apiUrl}/api/history?terminal=apm&stream=in_gate&date=2025-09-02`);
      expect(answer.headers.get('access-control-allow-origin')).toBe('*');
      expect(((await answer.json()) as { images: unknown[] }).images).toHaveLength(sim.frames('2025-09-02', 'in_gate').length);
    } finally {
      await sim.close();
    }
  });

  it.each([
    [{ history: 'endless' }, 'invalid history shape "endless"'],
    [{ dateFormat: 'dd.MM.' }, 'invalid date format "dd.MM."'],
    [{ breakAfterPages: -1 }, 'invalid break after pages "-1"'],
    [{ firstAnswerDelayMs: 1.5 }, 'invalid first answer delay "1.5"'],
  ])('refuses %j', (options, message) => {
    expect(() => resolveSimulatorOptions(options as SimulatorOptions)).toThrow(message);
  });
});
