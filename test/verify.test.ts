import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frameFilePath, frameUrls, openCatalog, runDownload, verifyArchive, type FrameRef } from '../src/index.ts';
import { runCli } from './support/cli.ts';
import { CDN, useFakeCdn } from './support/fake-cdn.ts';
import { fakeJpeg } from './support/jpeg.ts';
import { useTempDir } from './support/temp-dir.ts';

const cdn = useFakeCdn();
const tempDir = useTempDir();
const frame = (capturedAt: string): FrameRef => ({ terminal: 'apm', stream: 'in_gate', capturedAt, date: capturedAt.slice(0, 10) });
const times = ['2025-09-06T00:00:00', '2025-09-06T06:00:00', '2025-09-06T12:00:00', '2025-09-06T18:00:00'];

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

  it('leaves a file that is not a JPEG and not cataloged alone', async () => {
    const { out, dbPath } = await downloadedArchive();
    const stranger = frameFilePath(out, frame('2025-09-06T21:00:00'));
    writeFileSync(stranger, 'not mine');
    const orm = await openCatalog({ dbPath });
    const result = await verifyArchive({ orm, root: out, repair: true });
    await orm.close();
    expect(result.problems).toEqual([{ kind: 'notAJpeg', path: stranger, detail: 'not a JPEG: no SOI marker; not cataloged, left alone' }]);
    expect(readFileSync(stranger, 'utf8')).toBe('not mine');
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
    expect(JSON.parse(repaired.stdout).problems).toMatchObject([{ kind: 'missingFile', repaired: 'row removed; the next download fetches the frame' }]);
    expect((await runCli(['verify', '--db', dbPath, '--out', out], { cwd: root })).code).toBe(0);
    expect((await runCli(['verify', '--db', join(root, 'nope.sqlite')], { cwd: root })).code).toBe(2);
  });
});
