import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frameFilePath, frameUrls, Image, openCatalog, runDownload, verifyArchive, type FrameRef } from '../../src/index.ts';
import { upsertImages } from '../../src/catalog/images.ts';
import { runCli, summaryOf } from '../support/cli.ts';
import { CDN, useFakeCdn } from '../support/fake-cdn.ts';
import { fakeJpeg } from '../support/jpeg.ts';
import { useTempDir } from '../support/temp-dir.ts';

const cdn = useFakeCdn();
const tempDir = useTempDir();
const frame = (capturedAt: string): FrameRef => ({ terminal: 'apm', stream: 'in_gate', capturedAt, date: capturedAt.slice(0, 10) });
const times = ['2025-09-06T00:00:00', '2025-09-06T06:00:00', '2025-09-06T12:00:00', '2025-09-06T18:00:00'];
const basenameOf = (time: string) => `${time.replace(/[-T:]/g, '')}_in_gate.jpg`;

async function downloadedArchive() {
  const root = tempDir();
  const out = join(root, 'images');
  const dbPath = join(root, 'catalog.sqlite');
  for (const time of times) cdn.serve(new URL(frameUrls(frame(time), CDN).full).pathname);
  const options = { from: '2025-09-06', streams: ['in_gate'], intervalMinutes: 360, baseUrl: CDN, out, dbPath, retryDelayMs: 1 };
  const report = await runDownload(options);
  expect(report.stats.downloaded).toBe(4);
  return { root, out, dbPath, options, path: (time: string) => frameFilePath(out, frame(time)) };
}

describe('verifyArchive', () => {
  it('reports a file it cannot read (3 GB, larger than any frame) and goes on checking the others; --repair leaves it alone', async () => {
    const { out, dbPath, path } = await downloadedArchive();
    const huge = frameFilePath(out, frame('2025-09-06T20:00:00'));
    writeFileSync(huge, '');
    truncateSync(huge, 3 * 1024 ** 3); // sparse: takes no room on disk
    const flipped = readFileSync(path(times[3]));
    flipped[100] ^= 0xff;
    writeFileSync(path(times[3]), flipped);

    const orm = await openCatalog({ dbPath });
    const found = await verifyArchive({ orm, root: out, repair: true });
    await orm.close();

    expect(found.filesChecked).toBe(4); // the flipped file was moved aside before the walk: 3 in place and the large one
    expect(found.problems.map(({ kind, path: where }) => [kind, where]).sort()).toEqual([
      ['unreadable', huge],
      ['wrongHash', path(times[3])],
    ]);
    expect(statSync(huge).size).toBe(3 * 1024 ** 3);
  });

  it('finds a flipped byte, a deleted file, an extra file and a leftover temporary file; --repair fixes them and the next run refetches', async () => {
    const { out, dbPath, options, path } = await downloadedArchive();
    const flipped = readFileSync(path(times[0]));
    flipped[100] ^= 0xff;
    writeFileSync(path(times[0]), flipped);
    writeFileSync(path(times[1]), Buffer.concat([readFileSync(path(times[1])), Buffer.from('tail')]));
    rmSync(path(times[2]));
    const extra = frameFilePath(out, frame('2025-09-06T20:00:00'));
    writeFileSync(extra, fakeJpeg('copied in by hand'));
    const leftover = `${path(times[3])}.999999999-1.draydog-part`;
    writeFileSync(leftover, 'partial');

    let orm = await openCatalog({ dbPath });
    const found = await verifyArchive({ orm, root: out });
    expect(found.rowsChecked).toBe(4);
    expect(found.problems.map(({ kind, path: where }) => [kind, where]).sort()).toEqual([
      ['missingFile', path(times[2])],
      ['temporaryFile', leftover],
      ['uncataloged', extra],
      ['wrongHash', path(times[0])],
      ['wrongSize', path(times[1])],
    ]);
    const repaired = await verifyArchive({ orm, root: out, repair: true });
    expect(repaired.problems.every(({ repaired: done }) => done)).toBe(true);
    expect(existsSync(`${path(times[0])}.corrupt`)).toBe(true);
    expect(existsSync(leftover)).toBe(false);
    expect((await verifyArchive({ orm, root: out })).problems).toEqual([]);
    await orm.close();

    const rerun = await runDownload(options);
    expect(rerun.stats).toMatchObject({ downloaded: 3, alreadyExisted: 1 });
    orm = await openCatalog({ dbPath });
    expect((await verifyArchive({ orm, root: out })).problems).toEqual([]);
    await orm.close();
  });

  it('never catalogs a frame file that is not a whole JPEG: --repair moves it aside and the next download fetches the frame', async () => {
    const { out, dbPath, options, path } = await downloadedArchive();
    const stranger = frameFilePath(out, frame('2025-09-06T21:00:00'));
    writeFileSync(stranger, 'not mine');
    const whole = readFileSync(path(times[3]));
    let orm = await openCatalog({ dbPath });
    await orm.em.fork().nativeDelete(Image, { capturedAt: times[3] }); // a power cut: the file cut short, its row never written
    writeFileSync(path(times[3]), whole.subarray(0, 500));
    const found = await verifyArchive({ orm, root: out });
    expect(found.problems.map(({ kind, path: where, repaired }) => [kind, where, repaired])).toEqual([
      ['notAJpeg', path(times[3]), undefined],
      ['notAJpeg', stranger, undefined],
    ]);
    const result = await verifyArchive({ orm, root: out, repair: true });
    expect(result.problems.map(({ kind, repaired }) => [kind, repaired])).toEqual([
      ['notAJpeg', 'moved to 20250906180000_in_gate.jpg.corrupt; the next download fetches the frame'],
      ['notAJpeg', 'moved to 20250906210000_in_gate.jpg.corrupt; the next download fetches the frame'],
    ]);
    expect(readFileSync(`${stranger}.corrupt`, 'utf8')).toBe('not mine');
    await orm.close();

    expect((await runDownload(options)).stats).toMatchObject({ downloaded: 1, alreadyExisted: 3 });
    expect(readFileSync(path(times[3])).equals(whole)).toBe(true);
    orm = await openCatalog({ dbPath });
    expect((await verifyArchive({ orm, root: out })).problems).toEqual([]);
    await orm.close();
  });

  it('a download never adopts a broken file left without a row: it moves it aside and fetches the frame again', async () => {
    const { out, dbPath, options, path } = await downloadedArchive();
    const whole = readFileSync(path(times[1]));
    let orm = await openCatalog({ dbPath });
    await orm.em.fork().nativeDelete(Image, { capturedAt: times[1] });
    await orm.close();
    writeFileSync(path(times[1]), '');

    expect((await runDownload(options)).stats).toMatchObject({ downloaded: 1, alreadyExisted: 3 });
    expect([readFileSync(path(times[1])).equals(whole), readFileSync(`${path(times[1])}.corrupt`).length]).toEqual([true, 0]);
    orm = await openCatalog({ dbPath });
    expect((await verifyArchive({ orm, root: out })).problems).toEqual([]);
    await orm.close();
  });

  it('an archive moved with its catalog still verifies; rows of older versions (absolute paths) are matched by frame and sha256, and a changed file is not adopted', async () => {
    const { root, out, dbPath, path } = await downloadedArchive();
    let orm = await openCatalog({ dbPath });
    // what earlier versions wrote: absolute paths
    for (const time of times) await orm.em.fork().nativeUpdate(Image, { capturedAt: time }, { filePath: path(time) });
    await orm.close();
    const moved = join(root, 'moved');
    cpSync(out, join(moved, 'images'), { recursive: true });
    cpSync(dbPath, join(moved, 'catalog.sqlite'));
    rmSync(out, { recursive: true });
    const movedPath = (time: string) => frameFilePath(join(moved, 'images'), frame(time));
    const tampered = readFileSync(movedPath(times[2]));
    tampered[200] ^= 0xff;
    writeFileSync(movedPath(times[2]), tampered);

    orm = await openCatalog({ dbPath: join(moved, 'catalog.sqlite') });
    const repaired = await verifyArchive({ orm, root: join(moved, 'images'), repair: true });
    expect(repaired.problems.map(({ kind, path: where, repaired: done }) => [kind, where, done])).toEqual([
      ['moved', movedPath(times[0]), 'row points to it'],
      ['moved', movedPath(times[1]), 'row points to it'],
      [
        'wrongHash',
        movedPath(times[2]),
        'moved to 20250906120000_in_gate.jpg.corrupt and row removed; the next download fetches the frame',
      ],
      ['moved', movedPath(times[3]), 'row points to it'],
    ]);
    const rows = await orm.em.fork().find(Image, {}, { orderBy: { capturedAt: 'asc' } });
    expect(rows.map(({ filePath }) => filePath)).toEqual(
      [times[0], times[1], times[3]].map((time) => join('2025-09-06', 'in_gate', basenameOf(time))),
    );
    expect((await verifyArchive({ orm, root: join(moved, 'images') })).problems).toEqual([]);
    await orm.close();
  });

  it('--repair touches no file outside the archive root, whatever a row says', async () => {
    const { root, out, dbPath } = await downloadedArchive();
    const outside = join(root, 'elsewhere', '20250906230000_in_gate.jpg');
    mkdirSync(join(root, 'elsewhere'));
    writeFileSync(outside, 'a file of the user');
    const orm = await openCatalog({ dbPath });
    await upsertImages(orm, [
      {
        terminal: 'apm',
        stream: 'in_gate',
        capturedAt: '2025-09-06T23:00:00',
        filePath: outside,
        fileSize: 1,
        sha256: 'ab',
        sourceUrl: null,
        variant: 'full',
        downloadedAt: '2025-09-07T00:00:00.000Z',
      },
    ]);
    const result = await verifyArchive({ orm, root: out, repair: true });
    await orm.close();
    expect(result.problems).toEqual([
      {
        kind: 'missingFile',
        path: outside,
        detail: `cataloged in_gate 2025-09-06T23:00:00 has no file under ${out}`,
        repaired: 'row removed; the next download fetches the frame',
      },
    ]);
    expect(readdirSync(join(root, 'elsewhere'))).toEqual(['20250906230000_in_gate.jpg']);
    expect(readFileSync(outside, 'utf8')).toBe('a file of the user');
  });
});

describe('draydog verify', () => {
  it('exits 1 with the differences, 0 once repaired', async () => {
    const { root, out, dbPath, path } = await downloadedArchive();
    rmSync(path(times[0]));
    const found = await runCli(['verify', '--db', dbPath, '--out', out], { cwd: root });
    expect(found.code).toBe(1);
    expect(found.stdout).toBe(`missingFile   ${path(times[0])}: cataloged in_gate ${times[0]} has no file\n`);
    expect(JSON.parse(found.stderr)).toMatchObject({ msg: 'Checked 4 catalog rows and 3 image files: 1 difference.', differences: 1 });
    const repaired = await runCli(['verify', '--db', dbPath, '--out', out, '--repair', '--json'], { cwd: root });
    expect(repaired.code).toBe(0);
    expect(JSON.parse(repaired.stdout).problems).toMatchObject([
      { kind: 'missingFile', repaired: 'row removed; the next download fetches the frame' },
    ]);
    expect((await runCli(['verify', '--db', dbPath, '--out', out], { cwd: root })).code).toBe(0);
    expect((await runCli(['verify', '--db', join(root, 'nope.sqlite')], { cwd: root })).code).toBe(2);
  });

  it('finds every file in place with --out and --db given relative to the folder it runs in, there and after the archive moved', async () => {
    const { root } = await downloadedArchive();
    const here = await runCli(['verify', '--db', 'catalog.sqlite', '--out', 'images'], { cwd: root });
    expect([here.code, here.stdout, summaryOf(here.stderr)]).toEqual([0, '', 'Checked 4 catalog rows and 4 image files: 0 differences.']);
    cpSync(root, join(root, '..', `${basename(root)}-moved`), { recursive: true });
    const moved = await runCli(['verify', '--db', 'catalog.sqlite', '--out', 'images'], {
      cwd: join(root, '..', `${basename(root)}-moved`),
    });
    rmSync(join(root, '..', `${basename(root)}-moved`), { recursive: true });
    expect([moved.code, moved.stdout]).toEqual([0, '']);
  });
});
