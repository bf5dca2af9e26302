import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom, pipe } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  BulkImageDownloader,
  buildUrls,
  collectStats,
  concurrently,
  fetchFrames,
  frameFilePath,
  frameRange,
  frameUrls,
  Image,
  openCatalog,
  runDownload,
  saveToCatalog,
  skipExisting,
  writeReport,
  writeToDisk,
  type FrameRef,
} from '../../src/index.ts';
import { CDN, useFakeCdn, type FakeCdn } from '../support/fake-cdn.ts';
import { fakeJpeg } from '../support/jpeg.ts';
import { useTempDir } from '../support/temp-dir.ts';

const cdn = useFakeCdn();
const tempDir = useTempDir();
const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');
const pathOf = (url: string) => new URL(url).pathname;
const fast = { retries: 3, retryDelayMs: 2, timeoutMs: 2000 };

/** A day of grid frames: every 7th missing, every 11th only as a thumbnail, every 5th flaky. */
function serveDay(fake: FakeCdn, date: string, stream = 'in_gate') {
  const expected = new Map<string, { body: Buffer; variant: 'full' | 'thumbnail' }>();
  for (let slot = 0; slot < 144; slot += 1) {
    const time = `${String(Math.floor(slot / 6)).padStart(2, '0')}:${slot % 6}0:00`;
    const frame: FrameRef = { terminal: 'apm', stream, capturedAt: `${date}T${time}`, date };
    const urls = frameUrls(frame, CDN);
    if (slot % 7 === 3) continue;
    const variant = slot % 11 === 5 ? 'thumbnail' : 'full';
    const body = fake.serve(
      pathOf(urls[variant]),
      fakeJpeg(`${frame.capturedAt}-${variant}`, variant === 'thumbnail' ? { width: 320, height: 180 } : {}),
    );
    if (slot % 5 === 0) fake.fail(pathOf(urls[variant]), { kind: 'status', status: 503 }, { kind: 'truncated' });
    expected.set(frame.capturedAt, { body, variant });
  }
  return expected;
}

function filesIn(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder).sort() : [];
}

describe('a pipeline composed from the exports', () => {
  it('downloads a day of frames from a faulty CDN into a correct tree and catalog', async () => {
    const root = tempDir();
    const expected = serveDay(cdn, '2025-09-06');
    cdn.softNotFoundForMissing(true);
    const orm = await openCatalog({ dbPath: join(root, 'catalog.sqlite') });
    try {
      const report = await lastValueFrom(
        frameRange({ from: '2025-09-06', streams: ['in_gate'] }).pipe(
          buildUrls({ baseUrl: CDN }),
          skipExisting({ root }),
          concurrently({ concurrency: 6 }, pipe(fetchFrames({ ...fast, concurrency: 1 }), writeToDisk({ root }))),
          saveToCatalog(orm, { batchSize: 50 }),
          collectStats(),
          writeReport(join(root, 'report.json')),
        ),
      );
      expect(report.stats).toMatchObject({
        requested: 144,
        downloaded: expected.size,
        notFound: 144 - expected.size,
        failed: 0,
        successRate: 100,
      });
      expect(report.stats.thumbnails).toBe([...expected.values()].filter(({ variant }) => variant === 'thumbnail').length);
      const folder = join(root, '2025-09-06', 'in_gate');
      expect(filesIn(folder)).toHaveLength(expected.size);
      const rows = await orm.em.fork().find(Image, {}, { orderBy: { capturedAt: 'asc' } });
      expect(rows).toHaveLength(expected.size);
      for (const row of rows) {
        const { body, variant } = expected.get(row.capturedAt)!;
        expect(readFileSync(row.filePath).equals(body)).toBe(true);
        expect([row.sha256, row.fileSize, row.variant]).toEqual([sha(body), body.length, variant]);
      }
      expect(cdn.peakInFlight()).toBeLessThanOrEqual(6);
    } finally {
      await orm.close();
    }
  });
});

describe('runDownload', () => {
  it('downloads, then on a rerun requests nothing that is on disk', async () => {
    const root = tempDir();
    const expected = serveDay(cdn, '2025-09-06');
    const options = {
      from: '2025-09-06',
      streams: ['in_gate'],
      baseUrl: CDN,
      out: join(root, 'images'),
      dbPath: join(root, 'db', 'c.sqlite'),
      ...fast,
    };
    const first = await runDownload({ ...options, reportPath: join(root, 'first.json') });
    expect(first.stats).toMatchObject({ downloaded: expected.size, failed: 0 });
    expect(JSON.parse(readFileSync(join(root, 'first.json'), 'utf8')).config).toMatchObject({
      from: '2025-09-06',
      to: '2025-09-06',
      streams: ['in_gate'],
    });
    const requestsBefore = cdn.totalRequests();
    const second = await runDownload(options);
    expect(second.stats).toMatchObject({ downloaded: 0, alreadyExisted: expected.size, notFound: 144 - expected.size });
    expect(cdn.totalRequests()).toBe(requestsBefore); // frames missing for good are remembered, not asked again
    const third = await runDownload({ ...options, recheckMissing: true });
    expect(third.stats).toMatchObject({ downloaded: 0, notFound: 144 - expected.size });
    expect(cdn.totalRequests() - requestsBefore).toBe(2 * (144 - expected.size));
  });

  it('remembers no miss of a date and stream that answered only misses (a mistyped --base-url), and misses only per CDN', async () => {
    const root = tempDir();
    const expected = serveDay(cdn, '2025-09-06');
    const options = { from: '2025-09-06', streams: ['in_gate'], out: join(root, 'images'), dbPath: join(root, 'c.sqlite'), ...fast };

    const typo = await runDownload({ ...options, baseUrl: `${CDN}/typo` });
    expect(typo.stats).toMatchObject({ requested: 144, downloaded: 0, notFound: 144, successRate: 0 });
    expect(typo.emptyDateStreams).toEqual(['2025-09-06/in_gate']);

    const right = await runDownload({ ...options, baseUrl: CDN });
    expect(right.stats).toMatchObject({ downloaded: expected.size, notFound: 144 - expected.size, failed: 0 });
    expect(right.emptyDateStreams).toEqual([]);

    const requestsBefore = cdn.totalRequests();
    expect((await runDownload({ ...options, baseUrl: CDN })).stats).toMatchObject({
      alreadyExisted: expected.size,
      notFound: 144 - expected.size,
    });
    expect(cdn.totalRequests()).toBe(requestsBefore); // this CDN's misses are remembered
    await runDownload({ ...options, baseUrl: `${CDN}/mirror` });
    expect(cdn.totalRequests() - requestsBefore).toBe(2 * (144 - expected.size)); // another CDN's are not: full size and thumbnail asked
  });

  it('a frame whose file name is too long for the file system fails alone; the run goes on', async () => {
    const root = tempDir();
    // a folder name of 245 characters fits; <time>_<stream>.jpg beside it does not (255 at most)
    const longStream = 'x'.repeat(245);
    const frames = [`${longStream} 2025-09-06T10:00:00`, 'in_gate 2025-09-06T10:10:00'];
    for (const line of frames) {
      const [stream, capturedAt] = line.split(' ');
      cdn.serve(pathOf(frameUrls({ terminal: 'apm', stream, capturedAt, date: '2025-09-06' }, CDN).full));
    }
    writeFileSync(join(root, 'frames.txt'), `${frames.join('\n')}\n`);

    const report = await runDownload({
      framesFile: join(root, 'frames.txt'),
      baseUrl: CDN,
      out: join(root, 'images'),
      dbPath: join(root, 'c.sqlite'),
      concurrency: 1,
      ...fast,
    });

    expect(report.stopReason).toBeUndefined();
    expect(report.stats).toMatchObject({ downloaded: 1, failed: 1 });
    expect(report.failures).toEqual([expect.objectContaining({ error: expect.stringMatching(/ENAMETOOLONG$/) })]);
    expect(filesIn(join(root, 'images', '2025-09-06', 'in_gate'))).toEqual(['20250906101000_in_gate.jpg']);
  });

  it('asks again for a frame that was missing only moments after its capture time', async () => {
    const root = tempDir();
    const recent = new Date(Date.now() - 10 * 60_000).toISOString().slice(0, 19);
    writeFileSync(join(root, 'frames.txt'), `in_gate ${recent}\n`);
    const options = { framesFile: join(root, 'frames.txt'), baseUrl: CDN, out: root, dbPath: join(root, 'c.sqlite'), ...fast };
    await runDownload(options);
    await runDownload(options);
    expect(cdn.totalRequests()).toBe(4);
  });

  it('catalogs files that are on disk without a row', async () => {
    const root = tempDir();
    const out = join(root, 'images');
    const frame: FrameRef = { terminal: 'apm', stream: 'in_gate', capturedAt: '2025-09-06T00:00:00', date: '2025-09-06' };
    const path = frameFilePath(out, frame);
    mkdirSync(join(out, '2025-09-06', 'in_gate'), { recursive: true });
    writeFileSync(path, fakeJpeg('left by a crashed run'));
    const report = await runDownload({
      from: '2025-09-06',
      streams: ['in_gate'],
      intervalMinutes: 1440,
      baseUrl: CDN,
      out,
      dbPath: join(root, 'c.sqlite'),
      ...fast,
    });
    expect(report.stats).toMatchObject({ requested: 1, alreadyExisted: 1 });
    expect(cdn.totalRequests()).toBe(0);
    const orm = await openCatalog({ dbPath: join(root, 'c.sqlite') });
    // relative to the archive's root, so the archive can move with its catalog
    expect(await orm.em.fork().find(Image, {})).toMatchObject([
      { filePath: join('2025-09-06', 'in_gate', '20250906000000_in_gate.jpg'), sha256: sha(fakeJpeg('left by a crashed run')) },
    ]);
    await orm.close();
  });

  it('writes nothing outside --out through a linked date folder: its frames fail, named in the report', async () => {
    const root = tempDir();
    const out = join(root, 'images');
    const outside = join(root, 'outside');
    mkdirSync(out);
    mkdirSync(outside);
    symlinkSync(outside, join(out, '2025-09-06'));
    serveDay(cdn, '2025-09-06');
    const report = await runDownload({
      from: '2025-09-06',
      streams: ['in_gate'],
      intervalMinutes: 360,
      baseUrl: CDN,
      out,
      dbPath: join(root, 'c.sqlite'),
      ...fast,
    });
    expect(report.stats).toMatchObject({ requested: 4, failed: 4, downloaded: 0 });
    expect(report.failures[0].error).toBe(
      `${join(out, '2025-09-06')} is a symbolic link: draydog does not follow links out of the archive, left alone`,
    );
    expect(readdirSync(outside)).toEqual([]);
    expect(cdn.totalRequests()).toBe(0);
  });

  it('lists frames that kept failing in the report', async () => {
    const root = tempDir();
    const frame: FrameRef = { terminal: 'apm', stream: 'in_gate', capturedAt: '2025-09-06T00:00:00', date: '2025-09-06' };
    const url = frameUrls(frame, CDN).full;
    cdn.fail(pathOf(url), ...Array.from({ length: 5 }, () => ({ kind: 'status' as const, status: 500 })));
    const report = await runDownload({
      from: '2025-09-06',
      streams: ['in_gate'],
      intervalMinutes: 1440,
      baseUrl: CDN,
      out: root,
      dbPath: join(root, 'c.sqlite'),
      ...fast,
      retries: 1,
    });
    expect(report.failures).toEqual([{ stream: 'in_gate', capturedAt: '2025-09-06T00:00:00', url, error: 'HTTP 500', attempts: 2 }]);
    expect(report.stats.successRate).toBe(0);
  });

  it('stops taking new frames once its signal aborts and says so', async () => {
    const root = tempDir();
    serveDay(cdn, '2025-09-06');
    const controller = new AbortController();
    cdn.onRequest(() => cdn.totalRequests() === 10 && controller.abort());
    const report = await runDownload({
      from: '2025-09-06',
      streams: ['in_gate'],
      baseUrl: CDN,
      out: root,
      dbPath: join(root, 'c.sqlite'),
      concurrency: 2,
      ...fast,
      signal: controller.signal,
    });
    expect(report.interrupted).toBe(true);
    expect(report.stats.requested).toBeGreaterThanOrEqual(5);
    expect(report.stats.requested).toBeLessThanOrEqual(12);
    expect(filesIn(join(root, '2025-09-06', 'in_gate')).filter((name) => name.includes('draydog-part'))).toEqual([]);
  });

  it('takes frames from a file and limits them per date', async () => {
    const root = tempDir();
    const listed = ['2025-09-06T00:00:00', '2025-09-06T00:10:00', '2025-09-06T00:20:00'];
    for (const capturedAt of listed)
      cdn.serve(pathOf(frameUrls({ terminal: 'apm', stream: 'in_gate', capturedAt, date: '2025-09-06' }, CDN).full));
    writeFileSync(join(root, 'frames.txt'), listed.map((time) => `in_gate ${time}`).join('\n'));
    const report = await runDownload({
      framesFile: join(root, 'frames.txt'),
      maxPerDate: 2,
      baseUrl: CDN,
      out: root,
      dbPath: join(root, 'c.sqlite'),
      ...fast,
    });
    expect(report.stats).toMatchObject({ requested: 2, downloaded: 2 });
  });

  it('refuses to start without a source of frames', async () => {
    await expect(runDownload({ out: tempDir() })).rejects.toThrow('missing --from');
  });

  it('refuses an output folder it cannot create', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'file'), 'x');
    await expect(runDownload({ from: '2025-09-06', out: join(root, 'file', 'images'), dbPath: join(root, 'c.sqlite') })).rejects.toThrow(
      `invalid output folder "${join(root, 'file', 'images')}"`,
    );
    expect(existsSync(join(root, 'c.sqlite'))).toBe(false);
  });
});

describe('BulkImageDownloader', () => {
  it('works the way the seed describes', async () => {
    const root = tempDir();
    const first = serveDay(cdn, '2025-09-06');
    const second = serveDay(cdn, '2025-09-07', 'out_gate');
    const downloadDir = join(root, 'images');
    let reportPath: string;
    {
      await using downloader = new BulkImageDownloader({
        downloadDir,
        dbPath: join(root, 'c.sqlite'),
        baseUrl: CDN,
        retryDelay: 0.002,
        timeout: 2,
      });
      const results = await downloader.downloadDateRange({
        startDate: '2025-09-06',
        endDate: '2025-09-06',
        streams: ['in_gate'],
        maxImagesPerDate: 20,
      });
      expect(results.stats.requested).toBe(20);
      await downloader.downloadDateRange({ startDate: '2025-09-07', streams: ['out_gate'] });
      expect(downloader.stats.downloaded).toBe([...first.keys()].filter((time) => time < '2025-09-06T03:20:00').length + second.size);
      const report = downloader.generateDownloadReport();
      expect(Object.keys(report.perDateStream)).toEqual(['2025-09-06/in_gate', '2025-09-07/out_gate']);
      reportPath = await downloader.saveReport(report);
      expect(reportPath.startsWith(join(downloadDir, 'reports', 'download-'))).toBe(true);

      const extra = join(root, 'extra.jpg');
      writeFileSync(extra, fakeJpeg('extra'));
      expect(
        await downloader.saveToDatabase([
          { filepath: extra, camera_id: 'in_gate', timestamp: new Date('2025-09-08T01:02:03Z'), file_size: 1 },
        ]),
      ).toBe(1);
      const orm = await openCatalog({ dbPath: join(root, 'c.sqlite') });
      expect(await orm.em.fork().count(Image, { capturedAt: '2025-09-08T01:02:03' })).toBe(1);
      await orm.close();
    }
    expect(JSON.parse(readFileSync(reportPath, 'utf8')).stats.downloaded).toBeGreaterThan(0);
  });

  it('refuses browser-based downloading, which it does not have', () => {
    expect(() => new BulkImageDownloader({ useDirectDownload: false })).toThrow('only direct download');
  });
});
