// Stale frames: a camera that hangs keeps serving the same picture; runs of identical frames are flagged
// in the download report and summary, `draydog report` (text and JSON) and the HTML report.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open-catalog.ts';
import { upsertImages } from '../../src/catalog/images.ts';
import { staleRuns } from '../../src/catalog/stale-frames.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { resolveSimulatorOptions } from '../../src/simulator/options.ts';
import { runCli, summaryOf, warningsOf } from '../support/cli.ts';
import { gridRows } from '../support/coverage-catalog.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();

describe('staleRuns', () => {
  it('finds runs of consecutive frames with the same sha256 per stream and date, and nothing else', async () => {
    const dbPath = join(tempDir(), 'catalog.sqlite');
    const orm = await openCatalog({ dbPath });
    try {
      const same = 'a'.repeat(64);
      const withSha = (rows: ReturnType<typeof gridRows>, sha256: string) => rows.map((row) => ({ ...row, sha256 }));
      await upsertImages(orm, [
        ...gridRows('in_gate', '2025-09-01', { toTime: '09:50' }),
        ...withSha(gridRows('in_gate', '2025-09-01', { fromTime: '10:00', toTime: '10:30' }), same),
        ...gridRows('in_gate', '2025-09-01', { fromTime: '10:40', toTime: '23:40' }),
        // the picture of 10:00 again at 23:50, after others: not a run
        ...withSha(gridRows('in_gate', '2025-09-01', { fromTime: '23:50' }), same),
        // out_gate stuck across midnight: one run per date
        ...withSha(gridRows('out_gate', '2025-09-01', { fromTime: '23:40' }), same),
        ...withSha(gridRows('out_gate', '2025-09-02', { toTime: '00:10' }), same),
      ]);
      expect(await staleRuns(orm)).toEqual([
        {
          terminal: 'apm',
          stream: 'in_gate',
          date: '2025-09-01',
          first: '2025-09-01T10:00:00',
          last: '2025-09-01T10:30:00',
          frames: 4,
          sha256: same,
        },
        {
          terminal: 'apm',
          stream: 'out_gate',
          date: '2025-09-01',
          first: '2025-09-01T23:40:00',
          last: '2025-09-01T23:50:00',
          frames: 2,
          sha256: same,
        },
        {
          terminal: 'apm',
          stream: 'out_gate',
          date: '2025-09-02',
          first: '2025-09-02T00:00:00',
          last: '2025-09-02T00:10:00',
          frames: 2,
          sha256: same,
        },
      ]);
      expect(await staleRuns(orm, { from: '2025-09-02' })).toHaveLength(1);
    } finally {
      await orm.close();
    }
  });
});

describe('a stuck camera, end to end', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      timing: 'grid',
      frameSize: 'small',
      missing: 0,
      thumbnailOnly: 0,
      seed: 4,
      stuck: [{ stream: 'in_gate', from: '2025-09-01T01:00:00', until: '2025-09-01T02:00:00' }],
    });
  });
  afterAll(() => sim?.close());

  it('the download warns and reports the run, `report` lists it in text, JSON and HTML', async () => {
    const cwd = tempDir();
    const run = await runCli(
      [
        'download',
        '--from',
        '2025-09-01',
        '--max-per-date',
        '18',
        '--base-url',
        sim.url,
        '--out',
        'images',
        '--db',
        'c.sqlite',
        '--report',
        'r.json',
      ],
      { cwd },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(summaryOf(run.stderr)).toMatch(/^Done: 36 frames: 36 downloaded/);
    expect(warningsOf(run.stderr)).toEqual([
      'in_gate 2025-09-01 01:00:00 to 01:50:00: 6 identical frames in a row: the camera may have hung',
    ]);
    const report = JSON.parse(readFileSync(join(cwd, 'r.json'), 'utf8'));
    expect(report.staleFrames).toEqual({
      '2025-09-01/in_gate': [
        {
          terminal: 'apm',
          first: '2025-09-01T01:00:00',
          last: '2025-09-01T01:50:00',
          frames: 6,
          sha256: sim.frameSha256('in_gate', '2025-09-01T01:00:00'),
        },
      ],
    });

    const text = await runCli(['report', '--db', 'c.sqlite'], { cwd });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      'Identical frames in a row (a camera that hung keeps serving one picture):\nin_gate 2025-09-01 01:00:00 to 01:50:00: 6 identical frames in a row\n',
    );

    const json = await runCli(['report', '--db', 'c.sqlite', '--json'], { cwd });
    const days = JSON.parse(json.stdout) as { stream: string; staleRuns: unknown[] }[];
    expect(days.map(({ stream, staleRuns }) => [stream, staleRuns.length])).toEqual([
      ['in_gate', 1],
      ['out_gate', 0],
    ]);

    const html = await runCli(['report', '--db', 'c.sqlite', '--html', 'coverage.html'], { cwd });
    expect(html.code, html.stderr).toBe(0);
    const page = readFileSync(join(cwd, 'coverage.html'), 'utf8');
    expect(page).toContain('<h3>Identical frames in a row (1)</h3>');
    expect(page).toContain('data-stale-first="2025-09-01T01:00:00" data-stale-last="2025-09-01T01:50:00" data-stale-frames="6"');
    expect(page.match(/data-stale-first=/g)).toHaveLength(1);
  });

  it('the simulator refuses a stuck stretch that ends before it starts, naming it', () => {
    expect(() =>
      resolveSimulatorOptions({ stuck: [{ stream: 'in_gate', from: '2025-09-01T02:00:00', until: '2025-09-01T01:00:00' }] }),
    ).toThrow('invalid stuck stretch "2025-09-01T02:00:00" to "2025-09-01T01:00:00": it must end after it starts');
  });

  it('a camera that works gives no warning and an empty staleFrames', async () => {
    const cwd = tempDir();
    const run = await runCli(
      [
        'download',
        '--from',
        '2025-09-02',
        '--max-per-date',
        '12',
        '--streams',
        'in_gate',
        '--base-url',
        sim.url,
        '--out',
        'images',
        '--db',
        'c.sqlite',
        '--json',
      ],
      { cwd },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(warningsOf(run.stderr)).toEqual([]);
    expect(JSON.parse(run.stdout).staleFrames).toEqual({});
  });
});
