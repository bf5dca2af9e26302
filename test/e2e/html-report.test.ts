import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogOrm } from '../../src/catalog/catalog-location.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../src/frame/time.ts';
import { coverageLevel, renderHtmlReport, reportDateRange } from '../../src/report/html-report.ts';
import { catalogCoverage, type Coverage, type StreamCoverage } from '../../src/catalog/coverage.ts';
import { openCatalog } from '../../src/catalog/open-catalog.ts';
import { upsertImages } from '../../src/catalog/images.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { runCli } from '../support/cli.ts';
import { gridRows, KNOWN_NOW, writeKnownCatalog } from '../support/coverage-catalog.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
const now = parseTimestamp(KNOWN_NOW);

async function withCatalog<T>(dbPath: string, use: (orm: CatalogOrm) => Promise<T>): Promise<T> {
  const orm = await openCatalog({ dbPath });
  try {
    return await use(orm);
  } finally {
    await orm.close();
  }
}

const streamOf = (coverage: Coverage, stream: string) => coverage.streams.find((candidate) => candidate.stream === stream)!;
const day = (stream: StreamCoverage, date: string) => stream.days.find((candidate) => candidate.date === date)!;

describe('catalogCoverage', () => {
  it('counts frames per stream, day and hour against the grid, and finds the gaps', async () => {
    const dbPath = join(tempDir(), 'catalog.sqlite');
    await writeKnownCatalog(dbPath);
    const coverage = await withCatalog(dbPath, (orm) => catalogCoverage(orm, { now }));
    expect([coverage.from, coverage.to, coverage.intervalMinutes]).toEqual(['2025-09-01', '2025-09-03', 10]);
    expect(coverage.streams.map(({ terminal, stream }) => `${terminal}/${stream}`)).toEqual(['apm/in_gate', 'apm/out_gate']);

    const inGate = streamOf(coverage, 'in_gate');
    const first = day(inGate, '2025-09-01');
    expect(first.hours.map((hour) => hour.present)).toEqual([6, 6, 6, 6, 6, 6, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6]);
    expect(first.hours.every((hour) => hour.expected === 6)).toBe(true);
    expect([first.present, first.expected, first.thumbnails, first.bytes]).toEqual([114, 144, 2, 11_400_000]);
    expect(first.hours[12]).toEqual({ hour: 12, present: 6, expected: 6, thumbnails: 2, missing: 0 });
    // the CDN answered the morning missing; 09-02 was never asked for
    expect(first.hours.slice(6, 11).map((hour) => hour.missing)).toEqual([6, 6, 6, 6, 6]);
    expect([first.missing, day(inGate, '2025-09-02').missing, inGate.missing]).toEqual([30, 0, 30]);
    expect(day(inGate, '2025-09-02')).toMatchObject({ present: 0, expected: 144 });
    // the report is made at 12:05: of hour 12 only the 12:00 frame is due, later hours are not due yet
    const third = day(inGate, '2025-09-03');
    expect(third.hours.map((hour) => hour.expected)).toEqual([...Array(12).fill(6), 1, ...Array(11).fill(0)]);
    expect([third.present, third.expected]).toEqual([73, 73]);
    expect([inGate.present, inGate.expected, inGate.thumbnails]).toEqual([187, 361, 2]);
    expect(inGate.gaps).toEqual([
      { from: '2025-09-01T05:50:00', to: '2025-09-01T11:00:00', seconds: 18_600, missingFrames: 30 },
      { from: '2025-09-01T23:50:00', to: '2025-09-03T00:00:00', seconds: 87_000, missingFrames: 144 },
    ]);
    expect(streamOf(coverage, 'out_gate').gaps).toEqual([
      { from: '2025-09-01T15:20:00', to: '2025-09-01T15:40:00', seconds: 1200, missingFrames: 1 },
    ]);
  });

  it('counts the edges of the range as gaps, and a stream without frames in the range as one gap', async () => {
    const dbPath = join(tempDir(), 'catalog.sqlite');
    await withCatalog(dbPath, async (orm) => {
      await upsertImages(orm, [
        ...gridRows('in_gate', '2025-09-01', { fromTime: '00:20', toTime: '23:30' }),
        ...gridRows('out_gate', '2025-09-02'),
      ]);
      const edges = await catalogCoverage(orm, { from: '2025-09-01', to: '2025-09-01', now: parseTimestamp('2025-09-10T00:00:00') });
      expect(streamOf(edges, 'in_gate').gaps).toEqual([
        { from: '2025-09-01T00:00:00', to: '2025-09-01T00:20:00', seconds: 1200, missingFrames: 2 },
        { from: '2025-09-01T23:30:00', to: '2025-09-02T00:00:00', seconds: 1800, missingFrames: 2 },
      ]);
      expect(streamOf(edges, 'out_gate')).toMatchObject({
        present: 0,
        expected: 144,
        gaps: [{ from: '2025-09-01T00:00:00', to: '2025-09-02T00:00:00', seconds: 86_400, missingFrames: 144 }],
      });
      // a report made before the range begins expects nothing
      const early = await catalogCoverage(orm, { from: '2025-09-01', to: '2025-09-01', now: parseTimestamp('2025-08-01T00:00:00') });
      expect(streamOf(early, 'out_gate')).toMatchObject({ expected: 0, gaps: [] });
      expect(streamOf(early, 'in_gate').gaps).toEqual([]);
    });
  });

  it('follows the interval: 7 minutes makes 206 slots a day, 9 or 8 an hour', async () => {
    const dbPath = join(tempDir(), 'catalog.sqlite');
    await withCatalog(dbPath, async (orm) => {
      await upsertImages(orm, gridRows('in_gate', '2025-09-01'));
      const coverage = await catalogCoverage(orm, { intervalMinutes: 7, now: parseTimestamp('2025-09-05T00:00:00') });
      const only = day(streamOf(coverage, 'in_gate'), '2025-09-01');
      expect([only.expected, only.hours[0].expected, only.hours[1].expected, only.hours[2].expected]).toEqual([206, 9, 9, 8]);
      await expect(catalogCoverage(orm, { intervalMinutes: 0 })).rejects.toThrow(/interval/);
      await expect(catalogCoverage(orm, { from: '2025-09-02', to: '2025-09-01' })).rejects.toThrow(/before/);
    });
  });

  it('an empty catalog covers today and holds no streams', async () => {
    const dbPath = join(tempDir(), 'catalog.sqlite');
    const coverage = await withCatalog(dbPath, (orm) => catalogCoverage(orm, { now }));
    expect(coverage).toMatchObject({ from: '2025-09-03', to: '2025-09-03', streams: [] });
    expect(renderHtmlReport(coverage)).toContain('The catalog holds no frames.');
  });
});

describe('renderHtmlReport', () => {
  it('levels: none, under a third, under two thirds, two thirds or more, all; nothing due is no level', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((present) => coverageLevel(present, 6))).toEqual([0, 1, 2, 2, 3, 3, 4, 4]);
    expect([coverageLevel(0, 0), coverageLevel(2, 0)]).toEqual([undefined, 4]);
  });

  it('is one self-contained page: no script, no external URL; cells carry their counts as data attributes', async () => {
    const dbPath = join(tempDir(), 'catalog.sqlite');
    await writeKnownCatalog(dbPath);
    const html = await withCatalog(dbPath, async (orm) => renderHtmlReport(await catalogCoverage(orm, { now })));
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import|https?:\/\//i);
    expect(html).toContain(
      'data-stream="in_gate" data-date="2025-09-01" data-hour="6" data-present="0" data-expected="6" data-thumbnails="0" data-missing="6" data-level="0"',
    );
    expect(html).toContain(
      'data-stream="in_gate" data-date="2025-09-01" data-hour="12" data-present="6" data-expected="6" data-thumbnails="2" data-missing="0" data-level="4"',
    );
    expect(html).toContain(
      'data-stream="in_gate" data-date="2025-09-03" data-hour="13" data-present="0" data-expected="0" data-thumbnails="0" data-missing="0" data-level="none"',
    );
    expect(html).toContain(
      'data-stream="in_gate" data-date="2025-09-02" data-hour="0" data-present="0" data-expected="6" data-thumbnails="0" data-missing="0" data-level="unasked"',
    );
    expect(html).toContain(
      'data-gap-from="2025-09-01T05:50:00" data-gap-to="2025-09-01T11:00:00" data-gap-seconds="18600" data-gap-missing="30"',
    );
    expect(html).toContain('5 h 10 min');
    expect(html).toContain('1 d 10 min');
  });

  it('lists the longest gaps when there are very many, says how many it left out, and escapes names', () => {
    const gaps = Array.from({ length: 320 }, (_, index) => ({
      from: `2025-09-01T${String(Math.floor(index / 6) % 24).padStart(2, '0')}:${String((index % 6) * 10).padStart(2, '0')}:00`,
      to: '2025-09-02T00:00:00',
      seconds: 1200 + index,
      missingFrames: 1,
    }));
    const stream: StreamCoverage = {
      terminal: 'apm',
      stream: 'in<gate>',
      days: [],
      gaps,
      staleRuns: [],
      present: 0,
      expected: 0,
      thumbnails: 0,
      missing: 0,
      bytes: 0,
    };
    const html = renderHtmlReport({
      from: '2025-09-01',
      to: '2025-09-01',
      intervalMinutes: 10,
      generatedAt: '2025-09-02T00:00:00.000Z',
      streams: [stream],
    });
    expect(html).toContain('20 shorter gaps not listed.');
    expect(html.match(/data-gap-seconds=/g)).toHaveLength(300);
    expect(html).not.toContain('data-gap-seconds="1219"');
    expect(html).toContain('in&#60;gate&#62;');
    expect(html).not.toContain('in<gate>');
    const none = renderHtmlReport({
      from: '2025-09-01',
      to: '2025-09-01',
      intervalMinutes: 10,
      generatedAt: '2025-09-02T00:00:00.000Z',
      streams: [{ ...stream, gaps: [] }],
    });
    expect(none).toContain('No gaps: every expected frame is there.');
  });

  it('reportDateRange takes the first and last date of a report', () => {
    expect(reportDateRange({ '2025-09-02/in_gate': {}, '2025-09-01/out_gate': {} })).toEqual({ from: '2025-09-01', to: '2025-09-02' });
    expect(reportDateRange({})).toEqual({});
  });
});

describe('--html on the command line', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', missing: 0.1, seed: 5 });
  });
  afterAll(() => sim?.close());

  it('report --html writes the page and names it on stderr; stdout keeps the table or the JSON alone', async () => {
    const cwd = tempDir();
    await writeKnownCatalog(join(cwd, 'catalog.sqlite'));
    const table = await runCli(['report', '--db', 'catalog.sqlite', '--html', 'out/coverage.html'], { cwd });
    expect(table.code, table.stderr).toBe(0);
    expect(JSON.parse(table.stderr)).toMatchObject({ msg: 'HTML report: out/coverage.html', html: 'out/coverage.html' });
    expect(table.stdout).toMatch(/^date\s+stream/);
    expect(readFileSync(join(cwd, 'out/coverage.html'), 'utf8')).toContain('data-date="2025-09-02"');

    const json = await runCli(
      ['report', '--db', 'catalog.sqlite', '--from', '2025-09-01', '--to', '2025-09-01', '--json', '--html', 'one-day.html'],
      { cwd },
    );
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveLength(2);
    const oneDay = readFileSync(join(cwd, 'one-day.html'), 'utf8');
    expect(oneDay).toContain('data-date="2025-09-01"');
    expect(oneDay).not.toContain('data-date="2025-09-02"');
  });

  it('download --html writes the coverage of the dates downloaded at the end, and the summary names it', async () => {
    const cwd = tempDir();
    const run = await runCli(
      [
        'download',
        '--from',
        '2025-09-01',
        '--base-url',
        sim.url,
        '--out',
        'images',
        '--db',
        'catalog.sqlite',
        '--report',
        'report.json',
        '--html',
        'coverage.html',
      ],
      { cwd },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Report: report.json; HTML report: coverage.html"');
    const html = readFileSync(join(cwd, 'coverage.html'), 'utf8');
    const present = [...html.matchAll(/data-stream="in_gate" data-date="2025-09-01" data-hour="\d+" data-present="(\d+)"/g)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
    expect(present).toBe(sim.frames('2025-09-01', 'in_gate').length);
  });

  it('download --frames --html covers the dates of the frames; an --html path under a file is refused before anything is fetched', async () => {
    const cwd = tempDir();
    const [frame] = sim.frames('2025-09-03', 'out_gate');
    writeFileSync(join(cwd, 'frames.txt'), `out_gate ${frame.capturedAt}\n`);
    writeFileSync(join(cwd, 'plain-file'), 'x');
    const refused = await runCli(
      ['download', '--frames', 'frames.txt', '--base-url', sim.url, '--db', 'catalog.sqlite', '--html', 'plain-file/c.html'],
      { cwd },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('plain-file/c.html');
    expect(existsSync(join(cwd, 'catalog.sqlite'))).toBe(false);

    const run = await runCli(
      ['download', '--frames', 'frames.txt', '--base-url', sim.url, '--out', 'images', '--db', 'catalog.sqlite', '--html', 'c.html'],
      { cwd },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'c.html'), 'utf8')).toContain('<h1>Frames in the archive, 2025-09-03 to 2025-09-03</h1>');
  });
});
