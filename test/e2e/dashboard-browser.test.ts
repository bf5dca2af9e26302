// The dashboard in a real headless Chromium (Debian's, driven by playwright-core): a download against
// the simulator watched live, `draydog dashboard` on its catalog beyond loopback, and a closed tab.
// Screenshots are kept under test-artifacts/ (git-ignored).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoverageCell, FleetView } from '../../src/dashboard/catalog-view.ts';
import { RunState } from '../../src/dashboard/run-state.ts';
import { serveDashboard } from '../../src/dashboard/server.ts';
import { openCatalog } from '../../src/catalog/open-catalog.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import type { DownloadReport } from '../../src/report/json-report.ts';
import { ARTIFACTS, browserForTests, openTestBrowser, type TestBrowser } from '../support/browser.ts';
import { dashboardUrl, startCli, until } from '../support/cli.ts';

const CHROMIUM = browserForTests(import.meta.filename);
const DATE = '2025-09-06';

/** A heatmap cell as the page shows it. */
type Cell = CoverageCell & { readonly stream: string; readonly date: string };

// Runs in the page; strings, since the project type-checks without the DOM library.
const READ_CELLS = `[...document.querySelectorAll('td.cell')].map((td) => ({
  stream: td.dataset.stream, date: td.dataset.date, hour: Number(td.dataset.hour), present: Number(td.dataset.present),
  expected: Number(td.dataset.expected), thumbnails: Number(td.dataset.thumbnails), failed: Number(td.dataset.failed), missing: Number(td.dataset.missing), kind: td.dataset.kind,
}))`;
const READ_COUNTS = `Object.fromEntries(['done', 'total', 'downloaded', 'alreadyExisted', 'notFound', 'failed', 'retries'].map((id) => [id, document.getElementById(id).textContent]))`;

let browser: TestBrowser | undefined;
let root: string;
let context: BrowserContext;
let sim: Simulator;

beforeAll(async () => {
  if (!CHROMIUM) return;
  browser = await openTestBrowser(CHROMIUM, 'dashboard');
  ({ root, context } = browser);
  // grid frames, 10 % of slots empty, some flaky URLs (with --retries 0 some of them fail), slow enough to watch
  sim = await startSimulator({ seed: 7, timing: 'grid', faults: 'mild', missing: 0.1, frameSize: 'small', latencyMs: 30 });
});

afterAll(async () => {
  await sim?.close();
  await browser?.close();
});

/** The dashboard's address, once the command logged it. */
/** Opens the page; fails the test on any request that leaves the dashboard's own server. */
async function open(url: string): Promise<{ page: Page; requested: string[] }> {
  const page = await context.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(url, { waitUntil: 'load' });
  return { page, requested };
}

describe.skipIf(!CHROMIUM)('the dashboard in Chromium', () => {
  let cwd: string;

  it('watches a download live: the counts rise, a failure appears, and at the end they match the report and the heatmap matches the catalog', {
    timeout: 180_000,
  }, async () => {
    cwd = mkdtempSync(join(root, 'download-'));
    const run = startCli(
      [
        'download',
        '--from',
        DATE,
        '--base-url',
        sim.url,
        '--out',
        'images',
        '--db',
        'catalog.sqlite',
        '--report',
        'report.json',
        '--retries',
        '0',
        '--concurrency',
        '2',
        '--ui',
      ],
      { cwd, timeoutMs: 150_000 },
    );
    const url = await dashboardUrl(run);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { page, requested } = await open(url);
    const seen: number[] = [];
    let failureSeenWhileRunning = false;
    let midRunShot = false;
    let imagesShown = 0;
    for (;;) {
      const phase = await page.evaluate<string>(`document.getElementById('phase').dataset.phase || ''`);
      const done = Number((await page.evaluate<Record<string, string>>(READ_COUNTS)).done.replace(/,/g, ''));
      if (seen.at(-1) !== done) seen.push(done);
      if (phase === 'running' && (await page.locator('#failures li').count()) > 0) failureSeenWhileRunning = true;
      // each stream's newest frame, as an image served from the archive (while the server runs: it stops with the download)
      if (phase === 'running')
        imagesShown = Math.max(
          imagesShown,
          await page.evaluate<number>(
            `[...document.querySelectorAll('.stream img')].filter((image) => image.complete && image.naturalWidth > 0).length`,
          ),
        );
      if (phase === 'running' && !midRunShot && done > 100) {
        await page.screenshot({ path: join(ARTIFACTS, 'dashboard-download-running.png'), fullPage: true });
        midRunShot = true;
      }
      if (phase !== 'running' && phase !== '') break;
      await page.waitForTimeout(150);
    }
    const result = await run.finished;
    expect(result.code, result.stderr.slice(-2000)).toBe(1);
    const report = JSON.parse(readFileSync(join(cwd, 'report.json'), 'utf8')) as DownloadReport;

    // rising, live: several values between the first and the last
    expect(seen.length, `counts seen: ${seen.join(', ')}`).toBeGreaterThanOrEqual(4);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(failureSeenWhileRunning).toBe(true);
    expect(await page.evaluate<string>(`document.getElementById('phase').dataset.phase`)).toBe('finished');
    const counts = await page.evaluate<Record<string, string>>(READ_COUNTS);
    const { stats } = report;
    expect(counts).toEqual({
      done: String(stats.requested),
      total: String(stats.requested),
      downloaded: String(stats.downloaded),
      alreadyExisted: String(stats.alreadyExisted),
      notFound: String(stats.notFound),
      failed: String(stats.failed),
      retries: String(stats.retries),
    });
    expect(stats.failed).toBeGreaterThan(0);
    // the latest failures, newest first, each with its URL and reason as the report has them
    const listed = await page.$$eval('#failures li', (items) =>
      items.map((item) => [item.getAttribute('data-url'), item.querySelector('.error')?.textContent]),
    );
    expect(listed.length).toBe(Math.min(20, report.failures.length));
    const reported = new Map(report.failures.map((failure) => [failure.url, failure.error]));
    for (const [failedUrl, error] of listed) expect(reported.get(failedUrl!), failedUrl!).toBe(error);

    // the heatmap against the catalog, hour by hour; failed frames (not cataloged) marked in their hour
    const orm = await openCatalog({ dbPath: join(cwd, 'catalog.sqlite') });
    const rows = await orm.em
      .getConnection()
      .execute<{ stream: string; hour: string; frames: number; thumbnails: number }[]>(
        "select stream, substr(captured_at, 1, 13) as hour, count(*) as frames, sum(variant = 'thumbnail') as thumbnails from images group by stream, hour",
      );
    const misses = await orm.em
      .getConnection()
      .execute<{ stream: string; hour: string; missing: number }[]>(
        'select stream, substr(captured_at, 1, 13) as hour, count(*) as missing from cdn_missing_frames group by stream, hour',
      );
    await orm.close();
    const missing = new Map(misses.map((row) => [`${row.stream}/${row.hour}`, Number(row.missing)]));
    const held = new Map(rows.map((row) => [`${row.stream}/${row.hour}`, row]));
    const failedPerHour = new Map<string, number>();
    for (const failure of report.failures)
      failedPerHour.set(
        `${failure.stream}/${failure.capturedAt.slice(0, 13)}`,
        (failedPerHour.get(`${failure.stream}/${failure.capturedAt.slice(0, 13)}`) ?? 0) + 1,
      );
    const cells = await page.evaluate<Cell[]>(READ_CELLS);
    expect(cells).toHaveLength(2 * 24);
    for (const cell of cells) {
      const key = `${cell.stream}/${cell.date}T${String(cell.hour).padStart(2, '0')}`;
      expect(
        { present: cell.present, thumbnails: cell.thumbnails, failed: cell.failed, missing: cell.missing, expected: cell.expected },
        key,
      ).toEqual({
        present: Number(held.get(key)?.frames ?? 0),
        missing: missing.get(key) ?? 0,
        thumbnails: Number(held.get(key)?.thumbnails ?? 0),
        failed: failedPerHour.get(key) ?? 0,
        expected: 6,
      });
      if (cell.failed > 0) expect(cell.kind, key).toBe('failed');
      else if (cell.present === 6) expect(cell.kind, key).toBe('l4');
    }
    expect(cells.filter((cell) => cell.missing > 0).length, 'hours with frames the CDN answered missing').toBeGreaterThan(5);
    expect(imagesShown).toBe(2);
    expect(
      requested.every((address) => address.startsWith(url.replace(/\/$/, ''))),
      requested.join('\n'),
    ).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-download.png'), fullPage: true });
    await page.close();
  });

  it('draydog dashboard beyond loopback: 401 without the token, the catalog read-only, hostile names shown as text', {
    timeout: 120_000,
  }, async () => {
    const dbPath = join(cwd, 'catalog.sqlite');
    // a catalog is data: a stream name and a path someone wrote into it
    const orm = await openCatalog({ dbPath });
    await orm.em
      .getConnection()
      .execute(
        "insert into images (terminal, stream, captured_at, file_path, file_size, sha256, source_url, variant, downloaded_at) values ('apm', ?, '2025-09-06T12:00:00', '../../../../etc/passwd', 1, 'x', null, 'full', '2025-12-01T00:00:00')",
        ['<img src=x onerror="window.pwned=1">'],
      );
    await orm.close();
    const sha = () => createHash('sha256').update(readFileSync(dbPath)).digest('hex');
    const before = sha();
    const run = startCli(['dashboard', '--db', 'catalog.sqlite', '--out', 'images', '--ui', '--ui-host', '0.0.0.0'], {
      cwd,
      timeoutMs: 100_000,
    });
    const printed = await dashboardUrl(run);
    const token = new URL(printed).searchParams.get('token');
    expect(token).toMatch(/^[\w-]{32}$/);
    const base = printed.replace('0.0.0.0', '127.0.0.1').replace(/\/\?token=.*$/, '');
    expect((await fetch(`${base}/api/state`)).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/api/state`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const { page } = await open(`${base}/?token=${token}`);
    expect(page.url()).toBe(`${base}/`);
    await page.waitForSelector('td.cell');
    expect(await page.evaluate<string>(`document.getElementById('phase').textContent`)).toBe('the catalog, read-only');
    const names = await page.$$eval('.stream-coverage h3', (headings) => headings.map((heading) => heading.textContent));
    expect(names).toEqual(['<img src=x onerror="window.pwned=1">', 'in_gate', 'out_gate']);
    expect(await page.evaluate<unknown>('window.pwned')).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    // the path in the hostile row leads outside the archive: no image; the real streams show theirs
    const statuses = await page.evaluate<number[]>(
      `Promise.all([...document.querySelectorAll('.stream')].map((card) => fetch('/frames/latest.jpg?stream=' + encodeURIComponent(card.dataset.stream)).then((answer) => answer.status)))`,
    );
    expect(statuses).toEqual([404, 200, 200]);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-catalog.png'), fullPage: true });
    await page.close();
    run.child.kill('SIGINT');
    const result = await run.finished;
    expect(result.code, result.stderr.slice(-1000)).toBe(0);
    expect(sha(), 'the catalog is left byte for byte').toBe(before);
  });

  it('shows a fleet as text: partitions by state, its rate and ETA, each worker’s rate and heartbeat, failed partitions', {
    timeout: 60_000,
  }, async () => {
    const hostile = '<img src=x onerror="window.pwned=1">';
    const fleet: FleetView = {
      name: 'backfill',
      partitions: { waiting: 3, retrying: 1, active: 2, done: 14, failed: 1 },
      pausedBecause: null,
      frames: 2016,
      bytes: 12_345_678,
      framesPerSecond: 41.5,
      etaSeconds: 95,
      failed: [{ partition: 'apm/2025-09-02/in_gate', reason: `HTTP 500 ${hostile}`, attempts: 5 }],
      workers: [
        {
          worker: `${hostile}:12`,
          partitions: ['apm/2025-09-03/in_gate', 'apm/2025-09-03/out_gate'],
          framesPerSecond: 20.25,
          secondsSinceSeen: 1,
          gone: false,
        },
        { worker: 'box-b:77', partitions: [], framesPerSecond: 0, secondsSinceSeen: 45, gone: true },
      ],
    };
    const server = await serveDashboard({
      state: new RunState({ catalogOnly: true }),
      out: root,
      port: 0,
      host: '127.0.0.1',
      catalogChangesElsewhere: true,
      readCatalog: async () => ({ coverage: { from: DATE, to: DATE, streams: [] }, newest: {}, fleet }),
    });
    const { page, requested } = await open(`${server.url}/`);
    await page.waitForSelector('#fleet:not([hidden]) #fleet-workers tr');
    const shown = await page.evaluate<Record<string, string>>(
      `Object.fromEntries(['fleet-name', 'fleet-waiting', 'fleet-retrying', 'fleet-active', 'fleet-done', 'fleet-failed', 'fleet-frames', 'fleet-rate', 'fleet-eta'].map((id) => [id, document.getElementById(id).textContent]))`,
    );
    expect(shown).toEqual({
      'fleet-name': 'backfill',
      'fleet-waiting': '3',
      'fleet-retrying': '1',
      'fleet-active': '2',
      'fleet-done': '14',
      'fleet-failed': '1',
      'fleet-frames': '2,016',
      'fleet-rate': '41.5',
      'fleet-eta': expect.stringMatching(/^1 ?min/),
    });
    const rows = await page.$$eval('#fleet-workers tr', (trs) =>
      trs.map((tr) => [tr.className, ...[...tr.children].map((td) => td.textContent)]),
    );
    expect(rows).toEqual([
      ['', `${hostile}:12`, '20.3', expect.stringMatching(/^1 ?s ago$/), 'apm/2025-09-03/in_gate apm/2025-09-03/out_gate'],
      ['gone', 'box-b:77', '0.0', expect.stringMatching(/^45 ?s ago \(gone\)$/), '–'],
    ]);
    expect(await page.$$eval('#fleet-failures li', (items) => items.map((item) => item.textContent))).toEqual([
      `apm/2025-09-02/in_gate: HTTP 500 ${hostile} after 5 attempts`,
    ]);
    expect(await page.isHidden('#fleet-paused')).toBe(true);
    expect(await page.evaluate<unknown>('window.pwned')).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(requested.every((url) => url.startsWith(server.url))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-fleet.png'), fullPage: true });
    await page.close();
    await server.close();
  });

  it('a closed tab leaves nothing behind on the server', { timeout: 60_000 }, async () => {
    const server = await serveDashboard({ state: new RunState({ total: 10 }), out: root, port: 0, host: '127.0.0.1' });
    try {
      const { page } = await open(`${server.url}/`);
      await page.waitForFunction(`document.getElementById('connection').textContent === 'live'`);
      expect(server.openStreams()).toBe(1);
      await page.close();
      await until(() => server.openStreams() === 0, 10_000);
    } finally {
      await server.close();
    }
  });
});
