import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markAsUntransferable } from 'node:worker_threads';
import { lastValueFrom, map, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  collectStats,
  frameFilePath,
  openCatalog,
  writeReport,
  writeToDisk,
  type FetchedItem,
  type FrameRef,
  type PipelineItem,
} from '../../src/index.ts';
import { writeFileAtomically } from '../../src/disk/disk-store.ts';
import { fakeJpeg } from '../support/jpeg.ts';
import { testScheduler } from '../support/marbles.ts';
import { useTempDir } from '../support/temp-dir.ts';

const tempDir = useTempDir();
const frame = (capturedAt: string, stream = 'in_gate'): FrameRef => ({
  terminal: 'apm',
  stream,
  capturedAt,
  date: capturedAt.slice(0, 10),
});
const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');
const fetched = (capturedAt: string, body = fakeJpeg(capturedAt)): FetchedItem => ({
  kind: 'fetched',
  frame: frame(capturedAt),
  url: `https://cdn.test/${capturedAt}`,
  variant: 'full',
  body,
  attempts: 1,
});

describe('writeToDisk', () => {
  it('writes fetched frames into the date/stream layout and passes other items through', async () => {
    const root = tempDir();
    const body = fakeJpeg('a');
    const other: PipelineItem = { kind: 'notFound', frame: frame('2025-09-01T00:10:00'), urls: [], attempts: 1 };
    const out = await lastValueFrom(of<PipelineItem[]>(fetched('2025-09-01T10:00:00', body), other).pipe(writeToDisk({ root }), toArray()));
    const path = join(root, '2025-09-01', 'in_gate', '20250901100000_in_gate.jpg');
    expect(out).toContainEqual({
      kind: 'downloaded',
      frame: frame('2025-09-01T10:00:00'),
      url: 'https://cdn.test/2025-09-01T10:00:00',
      variant: 'full',
      sha256: sha(body),
      attempts: 1,
      bytes: body.length,
      filePath: path,
    });
    expect(out).toContainEqual(other);
    expect(readFileSync(path).equals(body)).toBe(true);
    expect(readdirSync(join(root, '2025-09-01', 'in_gate'))).toEqual(['20250901100000_in_gate.jpg']);
  });

  it('never overwrites a file that is already there', async () => {
    const root = tempDir();
    const path = frameFilePath(root, frame('2025-09-01T10:00:00'));
    mkdirSync(join(root, '2025-09-01', 'in_gate'), { recursive: true });
    writeFileSync(path, 'mine');
    const [result] = await lastValueFrom(of<PipelineItem>(fetched('2025-09-01T10:00:00')).pipe(writeToDisk({ root }), toArray()));
    expect(result).toEqual({ kind: 'alreadyExisted', frame: frame('2025-09-01T10:00:00'), filePath: path });
    expect(readFileSync(path, 'utf8')).toBe('mine');
  });

  it('writes the same files with fsync on', async () => {
    const root = tempDir();
    const body = fakeJpeg('durable', { padding: 20_000 });
    const [result] = await lastValueFrom(
      of<PipelineItem>(fetched('2025-09-01T10:00:00', Buffer.from(body))).pipe(writeToDisk({ root, fsync: true }), toArray()),
    );
    expect(result).toMatchObject({ kind: 'downloaded', bytes: body.length, sha256: sha(body) });
    expect(readFileSync(frameFilePath(root, frame('2025-09-01T10:00:00'))).equals(body)).toBe(true);
  });

  it('hands a body that owns its memory to the writer thread instead of copying it, and copies a pooled one', async () => {
    const root = tempDir();
    const large = fakeJpeg('large', { padding: 20_000 });
    const owned = Buffer.from(new Uint8Array(large).buffer); // a view over a whole ArrayBuffer of its own
    const pooled = Buffer.from(fakeJpeg('small')); // a slice of Node's shared pool
    const out = await lastValueFrom(
      of<PipelineItem[]>(fetched('2025-09-01T10:00:00', owned), fetched('2025-09-01T10:10:00', pooled)).pipe(
        writeToDisk({ root }),
        toArray(),
      ),
    );
    expect(out.map((item) => item.kind === 'downloaded' && item.bytes)).toEqual([large.length, pooled.length]);
    expect([owned.length, pooled.equals(fakeJpeg('small'))]).toEqual([0, true]);
    expect(readFileSync(frameFilePath(root, frame('2025-09-01T10:00:00'))).equals(large)).toBe(true);
  });

  it('copies a body whose memory cannot be moved to another thread', async () => {
    const root = tempDir();
    const body = new Uint8Array(fakeJpeg('pinned', { padding: 5_000 }));
    markAsUntransferable(body.buffer); // as WebAssembly's memory is
    const path = join(root, 'report.bin');
    await writeFileAtomically(path, body);
    expect([readFileSync(path).equals(Buffer.from(body)), body.length]).toEqual([true, fakeJpeg('pinned', { padding: 5_000 }).length]);
  });

  it("leaves a link at the frame's name alone, even a broken one, and fails the frame at `place`: not counted as there", async () => {
    const root = tempDir();
    const path = frameFilePath(root, frame('2025-09-01T10:00:00'));
    mkdirSync(join(root, '2025-09-01', 'in_gate'), { recursive: true });
    symlinkSync(join(root, 'nowhere.jpg'), path);
    const [result] = await lastValueFrom(of<PipelineItem>(fetched('2025-09-01T10:00:00')).pipe(writeToDisk({ root }), toArray()));
    expect(result).toMatchObject({
      kind: 'failed',
      stage: 'place',
      error: `${path} is a symbolic link: draydog does not follow links out of the archive, left alone`,
    });
    expect([readlinkSync(path), readdirSync(join(root, '2025-09-01', 'in_gate'))]).toEqual([
      join(root, 'nowhere.jpg'),
      ['20250901100000_in_gate.jpg'],
    ]);
  });

  it('writes nothing through a linked date folder: the frame fails at `place` and nothing lands outside the root', async () => {
    const root = tempDir();
    const outside = join(root, 'outside');
    const archive = join(root, 'archive');
    mkdirSync(outside);
    mkdirSync(archive);
    symlinkSync(outside, join(archive, '2025-09-01'));
    const [result] = await lastValueFrom(of<PipelineItem>(fetched('2025-09-01T10:00:00')).pipe(writeToDisk({ root: archive }), toArray()));
    expect(result).toMatchObject({
      kind: 'failed',
      stage: 'place',
      error: `${join(archive, '2025-09-01')} is a symbolic link: draydog does not follow links out of the archive, left alone`,
    });
    expect(readdirSync(outside)).toEqual([]);
  });

  it('leaves neither a partial final file nor a temporary file when the write fails', async () => {
    const root = tempDir();
    const path = frameFilePath(root, frame('2025-09-01T10:00:00'));
    mkdirSync(path, { recursive: true }); // a folder where the file should go: the rename must fail
    await expect(writeFileAtomically(path, fakeJpeg('x'))).rejects.toThrow();
    expect(readdirSync(join(root, '2025-09-01', 'in_gate'))).toEqual(['20250901100000_in_gate.jpg']);
    expect(statSync(path).isDirectory()).toBe(true);
  });
});

describe('collectStats', () => {
  const downloaded = (capturedAt: string, bytes: number, variant: 'full' | 'thumbnail' = 'full'): PipelineItem => ({
    kind: 'downloaded',
    frame: frame(capturedAt),
    url: 'u',
    variant,
    bytes,
    sha256: 's',
    filePath: 'p',
    attempts: 1,
  });

  it('emits a running tally after every outcome, timed by its scheduler', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const items = {
        r: { kind: 'frame', frame: frame('2025-09-01T00:00:00') } as PipelineItem,
        a: downloaded('2025-09-01T00:00:00', 100),
        b: { kind: 'alreadyExisted', frame: frame('2025-09-02T00:10:00'), filePath: 'p' } as PipelineItem,
        c: { kind: 'notFound', frame: frame('2025-09-01T00:20:00'), urls: [], attempts: 2 } as PipelineItem,
        d: {
          kind: 'failed',
          stage: 'fetch',
          frame: frame('2025-09-01T00:30:00'),
          url: 'u',
          error: 'HTTP 503',
          attempts: 4,
        } as PipelineItem,
        e: downloaded('2025-09-01T00:40:00', 50, 'thumbnail'),
      };
      const rates = cold('r 9ms a 9ms b 9ms c 9ms d 9ms e |', items).pipe(
        collectStats({ scheduler }),
        // the tally's collections are live; take a snapshot of each emission
        map(({ stats, perDateStream, failures }) => ({
          requested: stats.requested,
          successRate: stats.successRate,
          bytes: stats.bytes,
          durationMs: stats.durationMs,
          days: Object.keys(perDateStream).length,
          failures: failures.length,
        })),
      );
      expectObservable(rates).toBe('- 9ms a 9ms b 9ms c 9ms d 9ms e |', {
        a: { requested: 1, successRate: 100, bytes: 100, durationMs: 10, days: 1, failures: 0 },
        b: { requested: 2, successRate: 100, bytes: 100, durationMs: 20, days: 2, failures: 0 },
        c: { requested: 3, successRate: 100, bytes: 100, durationMs: 30, days: 2, failures: 0 },
        d: { requested: 4, successRate: 66.67, bytes: 100, durationMs: 40, days: 2, failures: 1 },
        e: { requested: 5, successRate: 75, bytes: 150, durationMs: 50, days: 2, failures: 1 },
      });
    });
  });

  it('counts per date and stream, thumbnails and failures', async () => {
    const tally = await lastValueFrom(
      of<PipelineItem[]>(
        downloaded('2025-09-01T00:00:00', 100),
        downloaded('2025-09-01T00:10:00', 10, 'thumbnail'),
        { kind: 'failed', stage: 'fetch', frame: frame('2025-09-01T00:20:00'), url: 'u', error: 'HTTP 503', attempts: 4 },
        { kind: 'notFound', frame: frame('2025-09-02T00:00:00', 'out_gate'), urls: ['a', 'b'], attempts: 2 },
      ).pipe(collectStats()),
    );
    expect(tally.stats).toMatchObject({
      requested: 4,
      downloaded: 2,
      failed: 1,
      notFound: 1,
      bytes: 110,
      thumbnails: 1,
      successRate: 66.67,
    });
    expect(tally.perDateStream['2025-09-01/in_gate']).toMatchObject({ requested: 3, downloaded: 2, failed: 1 });
    expect(tally.perDateStream['2025-09-02/out_gate']).toMatchObject({ requested: 1, notFound: 1 });
    expect(tally.failures).toEqual([{ stream: 'in_gate', capturedAt: '2025-09-01T00:20:00', url: 'u', error: 'HTTP 503', attempts: 4 }]);
  });

  it('says 0 % when frames were asked for and none exists: a run that found nothing did not succeed', async () => {
    const tally = await lastValueFrom(
      of<PipelineItem>({ kind: 'notFound', frame: frame('2025-09-01T00:00:00'), urls: [], attempts: 1 }).pipe(collectStats()),
    );
    expect(tally.stats.successRate).toBe(0);
  });
});

describe('writeReport', () => {
  it('writes the last tally with the configuration as JSON and emits it', async () => {
    const path = join(tempDir(), 'reports', 'run.json');
    const report = await lastValueFrom(
      of<PipelineItem>({ kind: 'notFound', frame: frame('2025-09-01T00:00:00'), urls: [], attempts: 1 }).pipe(
        collectStats(),
        writeReport(path, { config: { from: '2025-09-01' } }),
      ),
    );
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(report);
    expect(report).toMatchObject({ config: { from: '2025-09-01' }, interrupted: false, stats: { requested: 1, notFound: 1 } });
  });

  it('reports an empty run', async () => {
    const report = await lastValueFrom(of<PipelineItem>().pipe(collectStats(), writeReport(undefined)));
    expect(report.stats).toMatchObject({ requested: 0, successRate: 100 });
  });
});

describe('openCatalog', () => {
  it('creates the database file and its folder', async () => {
    const dbPath = join(tempDir(), 'deep', 'er', 'catalog.sqlite');
    const orm = await openCatalog({ dbPath });
    await orm.close();
    expect(readFileSync(dbPath).subarray(0, 15).toString()).toBe('SQLite format 3');
  });

  it('refuses a file that is not a SQLite database and leaves it byte for byte', async () => {
    const dbPath = join(tempDir(), 'notes.sqlite');
    writeFileSync(dbPath, 'my precious notes\n');
    const before = statSync(dbPath);
    await expect(openCatalog({ dbPath })).rejects.toThrow(`invalid database "${dbPath}": not a SQLite database`);
    expect(readFileSync(dbPath, 'utf8')).toBe('my precious notes\n');
    expect(statSync(dbPath).mtimeMs).toBe(before.mtimeMs);
  });
});

describe('writeToDisk on a disk that refuses', () => {
  it('turns the frame into a write failure and leaves no file behind', async () => {
    const root = tempDir();
    mkdirSync(join(root, '2025-09-01'), { recursive: true });
    writeFileSync(join(root, '2025-09-01', 'in_gate'), 'a file where the stream folder should be');
    const [result] = await lastValueFrom(of<PipelineItem>(fetched('2025-09-01T10:00:00')).pipe(writeToDisk({ root }), toArray()));
    expect(result).toMatchObject({
      kind: 'failed',
      stage: 'write',
      error: expect.stringMatching(/^cannot write .*20250901100000_in_gate\.jpg: (EEXIST|ENOTDIR)$/),
    });
    expect(readdirSync(join(root, '2025-09-01'))).toEqual(['in_gate']);
  });
});
