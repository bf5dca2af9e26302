// Discovery against every shape of history page the simulator can serve (Vue 2 + Element UI from
// node_modules), in one real headless Chromium shared by this file: lazy thumbnails, paging, a
// read-only picker with a non-ISO format, the day list from another host or as times only, a slow
// first answer, and a page that stops short of its own total.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type PlaywrightBrowser } from '../../src/discovery/browser.ts';
import type { DayReading } from '../../src/discovery/completeness.ts';
import { runDownload } from '../../src/download.ts';
import { DiscoveredDay } from '../../src/catalog/discovery-cache.ts';
import { Image } from '../../src/catalog/image-entity.ts';
import { openCatalog } from '../../src/catalog/open-catalog.ts';
import { createCamera, startSimulator, type Camera, type SimulatorOptions } from '../../src/simulator/index.ts';
import { listTree, runCli, startCli, warningsOf } from '../support/cli.ts';

const DATES = ['2025-09-01', '2025-09-02'];
const STREAMS = ['in_gate', 'out_gate'];
// small days (about 40 frames per stream, two pages of the day list) keep the browser runs short
const SMALL_DAYS: SimulatorOptions = { frameSize: 'small', missing: 0.7, thumbnailOnly: 0.1, seed: 21 };

let browser: PlaywrightBrowser;
let root: string;
const freshDir = (name: string) => mkdtempSync(join(root, `${name}-`));
const compactName = (capturedAt: string, stream: string) => `${capturedAt.replace(/[-T:]/g, '')}_${stream}.jpg`;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'draydog-shapes-'));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** What a complete reading of the camera's two days and two streams is. */
const completeReadings = (camera: Camera): DayReading[] =>
  DATES.flatMap((date) =>
    STREAMS.map((stream) => {
      const found = camera.frames(date, stream).length;
      return { date, stream, found, expected: found, status: 'complete' as const };
    }),
  );

/** The archive and catalog hold exactly the camera's frames of the two days, each once. */
async function expectWholeArchive(camera: Camera, out: string, dbPath: string): Promise<void> {
  for (const date of DATES) {
    for (const stream of STREAMS) {
      expect(listTree(join(out, date, stream)), `${date}/${stream}`).toEqual(
        camera
          .frames(date, stream)
          .map((frame) => compactName(frame.capturedAt, stream))
          .sort(),
      );
    }
  }
  const orm = await openCatalog({ dbPath });
  try {
    const rows = await orm.em.fork().find(Image, {}, { orderBy: { stream: 'asc', capturedAt: 'asc' } });
    const expected = STREAMS.flatMap((stream) =>
      DATES.flatMap((date) => camera.frames(date, stream).map((frame) => `${stream} ${frame.capturedAt}`)),
    );
    expect(rows.map((row) => `${row.stream} ${row.capturedAt}`)).toEqual(expected);
  } finally {
    await orm.close();
  }
}

const keptDays = async (dbPath: string) => {
  const orm = await openCatalog({ dbPath });
  try {
    return (await orm.em.fork().find(DiscoveredDay, {}, { orderBy: { date: 'asc', stream: 'asc' } })).map(
      (row) => `${row.date} ${row.stream}`,
    );
  } finally {
    await orm.close();
  }
};

describe('every shape of history page is read whole', () => {
  // each shape of the list, and each way of picking and answering, once
  const shapes: { name: string; options: SimulatorOptions }[] = [
    {
      name: 'lazy el-image thumbnails in a scroll box, a read-only picker that shows "Sep 5, 2025"',
      options: { history: 'lazy-scroll', picker: 'readonly', dateFormat: 'MMM d, yyyy' },
    },
    { name: 'lazy el-image thumbnails in the page, a day list of times only', options: { history: 'lazy-page', apiShape: 'times' } },
    {
      name: 'an el-pagination pager, a page that waits 4 s before asking for its list',
      options: { history: 'paged', firstAnswerDelayMs: 4000 },
    },
    { name: 'a "Load more" button, the day list from another host', options: { history: 'load-more', apiHost: 'separate' } },
  ];

  it.for(shapes)(
    '$name: every frame of 2 days x 2 streams, on disk and in the catalog, each day complete',
    { timeout: 90_000 },
    async ({ options }) => {
      const sim = await startSimulator({ ...SMALL_DAYS, ...options });
      try {
        const dir = freshDir('shape');
        const report = await runDownload({
          from: DATES[0],
          to: DATES[1],
          discover: { pageUrl: sim.url, browser: { instance: browser, settleMs: 250, retries: 0 } },
          baseUrl: sim.url,
          out: join(dir, 'images'),
          dbPath: join(dir, 'catalog.sqlite'),
          retryDelayMs: 10,
        });
        expect(report.discovery).toEqual(completeReadings(sim));
        const frames = DATES.flatMap((date) => STREAMS.flatMap((stream) => sim.frames(date, stream)));
        expect(report.stats).toMatchObject({ requested: frames.length, downloaded: frames.length, notFound: 0, failed: 0 });
        // no image request of the browser reached the CDN: every frame was requested once by the downloader
        expect(sim.stats().totalRequests).toBe(frames.length + frames.filter((frame) => frame.thumbnailOnly).length);
        await expectWholeArchive(sim, join(dir, 'images'), join(dir, 'catalog.sqlite'));
        expect(await keptDays(join(dir, 'catalog.sqlite'))).toEqual(DATES.flatMap((date) => STREAMS.map((stream) => `${date} ${stream}`)));
      } finally {
        await sim.close();
      }
    },
  );
});

describe('draydog simulate with a page shape, then draydog discover and download --discover', () => {
  it('reads a read-only "Sep 5, 2025" picker, lazy thumbnails, times-only answers from another host after a slow first answer', {
    timeout: 120_000,
  }, async () => {
    const dir = freshDir('cli');
    const shape = [
      '--history',
      'lazy-scroll',
      '--picker',
      'readonly',
      '--date-format',
      'MMM d, yyyy',
      '--api-host',
      'separate',
      '--api-shape',
      'times',
      '--first-answer-delay-ms',
      '2000',
    ];
    const simulate = startCli(
      ['simulate', '--frame-size', 'small', '--missing', '0.7', '--thumbnail-only', '0.1', '--seed', '21', ...shape],
      { cwd: dir, timeoutMs: 110_000 },
    );
    try {
      const url = await new Promise<string>((resolve) =>
        simulate.child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8').trim())),
      );
      const camera = createCamera({ ...SMALL_DAYS });
      const frames = DATES.flatMap((date) => STREAMS.flatMap((stream) => camera.frames(date, stream)));
      const page = await (await fetch(`${url}/terminal_cameras/apm?streamName=in_gate`)).text();
      expect(page).toMatch(
        /"api":"http:\/\/127\.0\.0\.1:\d+".*"shape":"lazy-scroll","editable":false,"format":"MMM d, yyyy","firstAnswerDelayMs":2000/,
      );

      const discovered = await runCli(['discover', '--from', DATES[0], '--to', DATES[1], '--page-url', url, '--base-url', url], {
        cwd: dir,
        timeoutMs: 60_000,
      });
      expect(discovered.code, discovered.stderr).toBe(0);
      expect(discovered.stdout.trimEnd().split('\n').slice(1)).toEqual(frames.map((frame) => `${url}${frame.fullPath}`));
      expect(warningsOf(discovered.stderr)).toEqual([]);

      const run = await runCli(
        [
          'download',
          '--discover',
          '--from',
          DATES[0],
          '--to',
          DATES[1],
          '--page-url',
          url,
          '--base-url',
          url,
          '--out',
          'images',
          '--db',
          'catalog.sqlite',
          '--report',
          'report.json',
          '--retry-delay',
          '10',
        ],
        { cwd: dir, timeoutMs: 60_000 },
      );
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
      expect(report.discovery).toEqual(completeReadings(camera));
      expect(report.stats).toMatchObject({ downloaded: frames.length, failed: 0 });
      await expectWholeArchive(camera, join(dir, 'images'), join(dir, 'catalog.sqlite'));
    } finally {
      simulate.child.kill('SIGTERM');
      await simulate.finished;
    }
  });
});

describe('a page that stops short of its own total', () => {
  it('a pager that breaks after its first page: incomplete, exit 1, a warning naming the day, nothing kept; a rerun reads the day again', {
    timeout: 120_000,
  }, async () => {
    const dir = freshDir('short');
    const options: SimulatorOptions = { ...SMALL_DAYS, history: 'paged', streams: ['in_gate'] };
    const broken = await startSimulator({ ...options, breakAfterPages: 1 });
    const args = (url: string) => [
      'download',
      '--discover',
      '--from',
      DATES[0],
      '--streams',
      'in_gate',
      '--page-url',
      url,
      '--base-url',
      url,
      '--out',
      'images',
      '--db',
      'catalog.sqlite',
      '--retry-delay',
      '10',
    ];
    const whole = broken.frames(DATES[0], 'in_gate').length;
    try {
      const run = await runCli([...args(broken.url), '--report', 'short.json', '--html', 'short.html'], { cwd: dir, timeoutMs: 60_000 });
      expect(run.code, run.stderr).toBe(1);
      const html = readFileSync(join(dir, 'short.html'), 'utf8');
      expect(html).toContain('<h2>Days the history page listed short</h2>');
      expect(html).toContain(`<tr class="incomplete"><td>${DATES[0]}</td><td>in_gate</td><td>24</td><td>${whole}</td><td>incomplete</td>`);
      expect(warningsOf(run.stderr)).toContain(
        `${DATES[0]} in_gate is incomplete: found 24 of the ${whole} the page says it has (some of its requests failed); a rerun reads its page again`,
      );
      const report = JSON.parse(readFileSync(join(dir, 'short.json'), 'utf8'));
      expect(report.discovery).toEqual([
        {
          date: DATES[0],
          stream: 'in_gate',
          found: 24,
          expected: whole,
          status: 'incomplete',
          note: expect.stringContaining('found 24 of'),
        },
      ]);
      expect(report.stats).toMatchObject({ downloaded: 24, failed: 0 });
      expect(await keptDays(join(dir, 'catalog.sqlite'))).toEqual([]);
    } finally {
      await broken.close();
    }
    // the page mended: the rerun reads the day again (it was not kept) and gets the rest
    const mended = await startSimulator(options);
    try {
      const rerun = await runCli([...args(mended.url), '--report', 'rerun.json'], { cwd: dir, timeoutMs: 60_000 });
      expect(rerun.code, rerun.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'rerun.json'), 'utf8'));
      expect(report.discovery).toEqual([{ date: DATES[0], stream: 'in_gate', found: whole, expected: whole, status: 'complete' }]);
      expect(report.stats).toMatchObject({ alreadyExisted: 24, downloaded: whole - 24 });
      expect(await keptDays(join(dir, 'catalog.sqlite'))).toEqual([`${DATES[0]} in_gate`]);
    } finally {
      await mended.close();
    }
  });
});
