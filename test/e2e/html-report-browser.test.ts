// The HTML coverage report rendered in a real headless Chromium (Debian's, driven by playwright-core).
// Screenshots are kept under test-artifacts/ (git-ignored) for a person to look at.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../src/frame/time.ts';
import { writeHtmlReport } from '../../src/report/html-report.ts';
import { openCatalog } from '../../src/catalog/open-catalog.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { browserForTests } from '../support/browser.ts';
import { runCli } from '../support/cli.ts';
import { KNOWN_NOW, writeKnownCatalog } from '../support/coverage-catalog.ts';

const CHROMIUM = browserForTests(import.meta.filename);
const ARTIFACTS = resolve('test-artifacts');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Cell {
  readonly stream: string;
  readonly date: string;
  readonly hour: number;
  readonly present: number;
  readonly expected: number;
  readonly thumbnails: number;
  readonly level: string;
  readonly background: string;
  readonly marked: boolean;
  readonly text: string;
}

let root: string;
let context: BrowserContext;

beforeAll(async () => {
  if (!CHROMIUM) return;
  root = mkdtempSync(join(tmpdir(), 'draydog-html-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  // a fresh profile for every run: nothing cached, nothing from an earlier run
  context = await chromium.launchPersistentContext(join(root, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 900 },
    timezoneId: 'UTC',
  });
});

afterAll(async () => {
  await context?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Opens the file and returns the page and every URL it asked for. */
async function open(path: string): Promise<{ page: Page; requested: string[] }> {
  const page = await context.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  return { page, requested };
}

// Runs in the page; a string, since the project type-checks without the DOM library.
const READ_CELLS = `[...document.querySelectorAll('td.cell')].map((td) => ({
  stream: td.dataset.stream,
  date: td.dataset.date,
  hour: Number(td.dataset.hour),
  present: Number(td.dataset.present),
  expected: Number(td.dataset.expected),
  thumbnails: Number(td.dataset.thumbnails),
  level: td.dataset.level,
  background: getComputedStyle(td).backgroundColor,
  marked: getComputedStyle(td, '::after').content !== 'none',
  text: td.textContent,
}))`;

const cells = (page: Page) => page.evaluate<Cell[]>(READ_CELLS);

const cellAt = (all: Cell[], stream: string, date: string, hour: number) =>
  all.find((cell) => cell.stream === stream && cell.date === date && cell.hour === hour)!;
const LEVEL_COLORS: Record<string, string> = {
  '0': 'rgb(215, 48, 39)',
  '1': 'rgb(252, 141, 89)',
  '2': 'rgb(254, 224, 144)',
  '3': 'rgb(145, 191, 219)',
  '4': 'rgb(69, 117, 180)',
  unasked: 'rgb(189, 189, 189)',
};

describe.skipIf(!CHROMIUM)('the HTML report in Chromium', () => {
  it('a known catalog: the morning the CDN answered missing is red, the day never fetched is grey, hours not due are blank; it fits 1400 px', async () => {
    const cwd = mkdtempSync(join(root, 'known-'));
    await writeKnownCatalog(join(cwd, 'catalog.sqlite'));
    // the catalog ends at 2025-09-03 12:00; the report is made as if it were 12:05 that day
    const orm = await openCatalog({ dbPath: join(cwd, 'catalog.sqlite') });
    try {
      await writeHtmlReport(orm, join(cwd, 'coverage.html'), { now: parseTimestamp(KNOWN_NOW) });
    } finally {
      await orm.close();
    }

    const { page, requested } = await open(join(cwd, 'coverage.html'));
    expect(requested, 'the page needs nothing but itself').toEqual([pathToFileURL(join(cwd, 'coverage.html')).href]);
    const all = await cells(page);
    expect(all).toHaveLength(2 * 3 * 24);
    for (const cell of all) {
      if (cell.level !== 'none') expect(cell.background, `${cell.stream} ${cell.date} ${cell.hour}`).toBe(LEVEL_COLORS[cell.level]);
    }
    for (const hour of [6, 7, 8, 9, 10])
      expect(cellAt(all, 'in_gate', '2025-09-01', hour)).toMatchObject({ present: 0, expected: 6, level: '0', text: '0' });
    expect(cellAt(all, 'in_gate', '2025-09-01', 5)).toMatchObject({ present: 6, level: '4', marked: false });
    expect(cellAt(all, 'in_gate', '2025-09-01', 12)).toMatchObject({ present: 6, thumbnails: 2, level: '4', marked: true });
    expect(all.filter((cell) => cell.stream === 'in_gate' && cell.date === '2025-09-02').map((cell) => [cell.level, cell.text])).toEqual(
      Array(24).fill(['unasked', '']),
    );
    expect(cellAt(all, 'out_gate', '2025-09-01', 15)).toMatchObject({ present: 5, expected: 6, level: '3' });
    expect(cellAt(all, 'out_gate', '2025-09-03', 12)).toMatchObject({ present: 1, expected: 1, level: '4' });
    expect(cellAt(all, 'out_gate', '2025-09-03', 13)).toMatchObject({ present: 0, expected: 0, level: 'none', text: '' });

    const totals = await page.$$eval('section[data-stream="in_gate"] tbody tr', (rows) =>
      rows.map((row) => [row.getAttribute('data-date'), ...[...row.querySelectorAll('td.total')].map((td) => td.textContent)]),
    );
    // frames, expected, %, answered missing, never asked, thumbnails, size
    expect(totals).toEqual([
      ['2025-09-01', '114', '144', '79.1 %', '30', '0', '2', '10.9 MB'],
      ['2025-09-02', '0', '144', '0 %', '0', '144', '0', '0 B'],
      ['2025-09-03', '73', '73', '100 %', '0', '0', '0', '7.0 MB'],
    ]);
    const acrossStreams = await page.$$eval('table.totals tbody tr', (rows) =>
      rows.map((row) => [row.getAttribute('data-stream'), ...[...row.querySelectorAll('td.total')].map((td) => td.textContent)]),
    );
    expect(acrossStreams).toEqual([
      ['in_gate', '187', '361', '51.8 %', '30', '144', '2', '17.8 MB'],
      ['out_gate', '360', '361', '99.7 %', '0', '1', '0', '34.3 MB'],
      ['all', '547', '722', '75.7 %', '30', '145', '2', '52.2 MB'],
    ]);
    const gaps = await page.$$eval('section[data-stream="in_gate"] ol.gaps li', (items) =>
      items.map((item) => (item.textContent ?? '').replace(/\s+/g, ' ').trim()),
    );
    // the longest first
    expect(gaps).toEqual(['2025-09-01 23:50 → 2025-09-03 00:00 1 d 10 min 144 missing', '2025-09-01 05:50 → 11:00 5 h 10 min 30 missing']);
    // the heatmap and its totals fit a 1400 px window: nothing to scroll sideways, no gap row spilling out of its box
    expect(await page.evaluate<number>('window.innerWidth')).toBe(1400);
    expect(await page.evaluate<boolean>('document.documentElement.scrollWidth <= 1400')).toBe(true);
    expect(
      await page.evaluate<string[]>(
        `[...document.querySelectorAll('ol.gaps li, table.heatmap')].filter((box) => box.scrollWidth > box.clientWidth || box.getBoundingClientRect().right > 1400).map((box) => box.textContent.slice(0, 40))`,
      ),
    ).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'html-report-known-catalog.png'), fullPage: true });
    await page.close();
  });

  describe('the demo catalog', () => {
    let sim: Simulator;
    beforeAll(async () => {
      // what `npm run demo` does: seed 7, grid timing, mild faults, 10 % of slots without a frame
      sim = await startSimulator({ seed: 7, timing: 'grid', faults: 'mild', missing: 0.1, frameSize: 'small' });
    });
    afterAll(() => sim?.close());

    it('shows every frame the simulator was told to leave out, hour by hour and as gaps', async () => {
      const cwd = mkdtempSync(join(root, 'demo-'));
      const dates = ['2025-09-06', '2025-09-07'];
      const run = await runCli(
        [
          'download',
          '--from',
          dates[0],
          '--to',
          dates[1],
          '--base-url',
          sim.url,
          '--out',
          'images',
          '--db',
          'draydog.sqlite',
          '--report',
          'report.json',
          '--retry-delay',
          '20',
          '--html',
          'coverage.html',
        ],
        { cwd },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('HTML report: coverage.html');

      const { page, requested } = await open(join(cwd, 'coverage.html'));
      expect(requested).toHaveLength(1);
      const all = await cells(page);
      let missingSlots = 0;
      for (const stream of ['in_gate', 'out_gate']) {
        for (const date of dates) {
          const frames = sim.frames(date, stream);
          for (let hour = 0; hour < 24; hour += 1) {
            const prefix = `${date}T${String(hour).padStart(2, '0')}`;
            const served = frames.filter((frame) => frame.capturedAt.startsWith(prefix));
            const cell = cellAt(all, stream, date, hour);
            expect(cell, `${stream} ${prefix}`).toMatchObject({
              present: served.length,
              expected: 6,
              thumbnails: served.filter((frame) => frame.thumbnailOnly).length,
            });
            expect(cell.level === '4').toBe(served.length === 6);
            missingSlots += 6 - served.length;
          }
        }
        // gaps: the simulator's frames of the stream, consecutive ones 20 minutes or more apart
        const times = dates.flatMap((date) => sim.frames(date, stream).map((frame) => frame.capturedAt));
        const expectedGaps = times
          .slice(1)
          .flatMap((time, index) => (Date.parse(`${time}Z`) - Date.parse(`${times[index]}Z`) >= 1_200_000 ? [[times[index], time]] : []));
        if (times[0] !== `${dates[0]}T00:00:00`) expectedGaps.unshift([`${dates[0]}T00:00:00`, times[0]]);
        if (times.at(-1) !== `${dates[1]}T23:50:00`) expectedGaps.push([times.at(-1)!, `${dates[1]}T23:59:59`]);
        const shown = await page.$$eval(`section[data-stream="${stream}"] ol.gaps li`, (items) =>
          items.map((item) => [item.getAttribute('data-gap-from'), item.getAttribute('data-gap-seconds')]),
        );
        // listed the longest first
        const seconds = shown.map(([, length]) => Number(length));
        expect(seconds).toEqual([...seconds].sort((a, b) => b - a));
        expect(shown.map(([from]) => from).sort()).toEqual(expectedGaps.map(([from]) => from));
      }
      expect(missingSlots).toBeGreaterThan(40);
      expect(all.filter((cell) => cell.level !== '4').length).toBeGreaterThan(20);
      await page.screenshot({ path: join(ARTIFACTS, 'html-report-demo.png'), fullPage: true });
      await page.close();
    });
  });
});
