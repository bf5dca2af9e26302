import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { frameFilePath, Image, openCatalog } from '../../src/index.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts';
import { interruptTwice, lastMessageOf, listTree, quickDownloadArgs, runCli, startCli, summaryOf, until } from '../support/cli.ts';

const DATES = ['2025-09-01', '2025-09-02'];
const STREAMS = ['in_gate', 'out_gate'];
const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');
const dirs: string[] = [];
const simulators: Simulator[] = [];
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((sim) => sim.close()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'draydog-crash-'));
  dirs.push(dir);
  return dir;
}

async function simulator(options: SimulatorOptions): Promise<Simulator> {
  const sim = await startSimulator({ timing: 'grid', frameSize: 'small', seed: 11, ...options });
  simulators.push(sim);
  return sim;
}

const downloadArgs = (sim: Simulator, ...more: string[]) =>
  quickDownloadArgs({ from: DATES[0], to: DATES[1], baseUrl: sim.url, out: 'images', db: 'catalog.sqlite' }, ...more);

async function catalogRows(dir: string) {
  const orm = await openCatalog({ dbPath: join(dir, 'catalog.sqlite') });
  try {
    return await orm.em.fork().find(Image, {});
  } finally {
    await orm.close();
  }
}

/** Every image on disk has exactly one row with its size and sha256, and no temporary file is left. */
async function expectDiskAndCatalogAgree(dir: string): Promise<string[]> {
  const tree = listTree(dir);
  expect(tree.filter((path) => path.includes('draydog-part'))).toEqual([]);
  const images = tree
    .filter((path) => path.endsWith('.jpg'))
    .map((path) => join(dir, path))
    .sort();
  const rows = await catalogRows(dir);
  // catalog paths are relative to the archive's root
  expect(rows.map(({ filePath }) => join(dir, 'images', filePath)).sort()).toEqual(images);
  for (const row of rows) {
    const body = readFileSync(join(dir, 'images', row.filePath));
    expect([body.length, sha(body)]).toEqual([row.fileSize, row.sha256]);
  }
  return images;
}

/** The tree holds every frame the simulator serves, exactly once, with the simulator's bytes. */
async function expectCompleteArchive(dir: string, sim: Simulator): Promise<void> {
  const images = await expectDiskAndCatalogAgree(dir);
  const expected = DATES.flatMap((date) => STREAMS.flatMap((stream) => sim.frames(date, stream)));
  expect(images).toEqual(expected.map((frame) => frameFilePath(join(dir, 'images'), frame)).sort());
  for (const frame of expected) {
    const body = readFileSync(frameFilePath(join(dir, 'images'), frame));
    expect(body.equals(sim.frameBytes(frame.stream, frame.capturedAt, frame.thumbnailOnly ? 'thumbnail' : 'full')!)).toBe(true);
  }
}

describe('a harsh CDN', () => {
  it("is downloaded completely (exit 0, the simulator's bytes), and a second run requests nothing", async () => {
    const sim = await simulator({ faults: 'harsh', latencyMs: 5 });
    const dir = freshDir();
    const first = await runCli(downloadArgs(sim), { cwd: dir, spawned: true, timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    await expectCompleteArchive(dir, sim);
    const requests = sim.stats().totalRequests;
    const faults = sim.stats().faultsByKind;
    for (const kind of ['status500', 'status503', 'status429', 'reset', 'truncated', 'slowFirstByte', 'softNotFound'] as const) {
      expect(faults[kind], kind).toBeGreaterThan(0);
    }
    const second = await runCli(downloadArgs(sim), { cwd: dir, spawned: true });
    expect(second.code, second.stderr).toBe(0);
    expect(sim.stats().totalRequests).toBe(requests);
  });
});

describe('kill -9 at any moment loses nothing', () => {
  it.each([40, 200, 450])('killed after %i requests, a rerun completes the archive and the catalog', async (killAt) => {
    const sim = await simulator({ faults: 'harsh', latencyMs: 20 });
    const dir = freshDir();
    const run = startCli(downloadArgs(sim), { cwd: dir });
    await until(() => sim.stats().totalRequests >= killAt);
    run.child.kill('SIGKILL');
    expect((await run.finished).signal).toBe('SIGKILL');

    const rerun = await runCli(downloadArgs(sim), { cwd: dir, spawned: true, timeoutMs: 60_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectCompleteArchive(dir, sim);
  });
});

describe('Ctrl-C', () => {
  // SIGHUP: the terminal closed (or a service manager's reload); a run drains as for Ctrl-C
  it.for(['SIGINT', 'SIGHUP'] as const)(
    'the first %s drains: exit 130 within seconds, catalog flushed, report marked interrupted',
    async (signal) => {
      const sim = await simulator({ faults: 'harsh', latencyMs: 20 });
      const dir = freshDir();
      const run = startCli(downloadArgs(sim), { cwd: dir });
      await until(() => sim.stats().totalRequests >= 100);
      const signalledAt = Date.now();
      run.child.kill(signal);
      const result = await run.finished;
      expect(result.code, result.stderr).toBe(130);
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      const images = await expectDiskAndCatalogAgree(dir);
      expect(images.length).toBeGreaterThan(0);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
      expect(report.interrupted).toBe(true);
      expect(report.stats.downloaded).toBe(images.length);
      expect(result.stderr).toContain('Interrupted:');
      expect(result.stderr).toContain(`${signal}: finishing the frames in flight`);
    },
  );

  it('a second SIGINT aborts the frames in flight at once and leaves no partial file', async () => {
    const sim = await simulator({ faults: 'none', latencyMs: 1500 });
    const dir = freshDir();
    // a breaker that trips at the first failure: the cancelled frames must not pass for a dead CDN
    const run = startCli(downloadArgs(sim, '--max-consecutive-failures', '1'), { cwd: dir });
    await until(() => sim.stats().totalRequests >= 16);
    const { result, msAfterSecond } = await interruptTwice(run);
    expect(result.code, result.stderr).toBe(130);
    expect(msAfterSecond).toBeLessThan(1000);
    expect(summaryOf(result.stderr)).toMatch(/^Interrupted: /);
    expect(result.stderr).not.toContain('in a row failed');
    await expectDiskAndCatalogAgree(dir);
  });
});

describe('politeness', () => {
  it('a 429 storm pauses the whole host: few requests while it lasts, then the run completes', async () => {
    const sim = await simulator({ faults: 'none', latencyMs: 10 });
    const dir = freshDir();
    const run = startCli(downloadArgs(sim, '--max-retry-after', '60000', '--retries', '10'), { cwd: dir, timeoutMs: 60_000 });
    await until(() => sim.stats().totalRequests >= 50);
    const stormStart = Date.now();
    const stormEnd = stormStart + 3000;
    sim.storm({ status: 429, retryAfterSeconds: 1, untilMs: stormEnd });
    const result = await run.finished;
    expect(result.code, result.stderr).toBe(0);
    const duringStorm = sim.stats().requestTimestamps.filter((time) => time >= stormStart && time < stormEnd).length;
    // the 8 requests in flight when it began, then one probe a second
    expect(duringStorm).toBeLessThanOrEqual(8 + 4 + 2);
    await expectCompleteArchive(dir, sim);
  });

  it('--rate 20 keeps to 20 requests a second', async () => {
    const sim = await simulator({ faults: 'none' });
    const dir = freshDir();
    const result = await runCli(downloadArgs(sim, '--rate', '20', '--max-per-date', '15'), { cwd: dir, spawned: true });
    expect(result.code, result.stderr).toBe(0);
    const times = sim.stats().requestTimestamps;
    expect(times.length).toBeGreaterThanOrEqual(50);
    const rate = ((times.length - 1) * 1000) / (times.at(-1)! - times[0]);
    expect(rate).toBeGreaterThan(18);
    expect(rate).toBeLessThan(22);
  });
});

describe('a catalog deleted mid-run', () => {
  it('stops the run with exit 1 and one line that says so, not "readonly database"', async () => {
    const sim = await simulator({ faults: 'none', latencyMs: 20 });
    const dir = freshDir();
    const run = startCli(downloadArgs(sim), { cwd: dir });
    await until(() => sim.stats().totalRequests >= 100);
    rmSync(join(dir, 'catalog.sqlite'));
    const result = await run.finished;
    expect(result.code, result.stderr).toBe(1);
    expect(lastMessageOf(result.stderr)).toBe(
      'draydog: the catalog catalog.sqlite was deleted or moved during the run (SQLite: attempt to write a readonly database)',
    );
  });
});

/** Whether this machine lets us mount a tmpfs (root on Linux), tried once with a throwaway mount. */
function canMountTmpfs(): boolean {
  const probe = freshDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Mounts a tmpfs of `size` on a fresh folder when called (in a test); it is unmounted after the tests of the caller's describe. */
function useTmpfs(size: string): () => string {
  const disk = freshDir();
  let mounted = false;
  afterAll(() => {
    if (mounted) execFileSync('umount', [disk]);
  });
  return () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk]);
    mounted = true;
    return disk;
  };
}

describe('disk full', () => {
  const mountTinyDisk = useTmpfs('1m');

  it.skipIf(!canMountTmpfs())('stops the run with exit 1, a report that says why, and no partial file', async () => {
    const tinyDisk = mountTinyDisk();
    const sim = await simulator({ faults: 'none', frameSize: 'full' });
    const dir = freshDir();
    const out = join(tinyDisk, 'images');
    mkdirSync(out);
    const result = await runCli(
      [
        'download',
        '--from',
        DATES[0],
        '--base-url',
        sim.url,
        '--out',
        out,
        '--db',
        'catalog.sqlite',
        '--report',
        'report.json',
        '--concurrency',
        '4',
      ],
      { cwd: dir, spawned: true },
    );
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('ENOSPC');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.stopReason).toMatch(/^stopped: cannot write .*: ENOSPC$/);
    // off a terminal the summary is one JSON line, its lines joined by '; '
    expect(summaryOf(result.stderr)).toMatch(/^Stopped: \d+ frames: \d+ downloaded.*; Stopped: cannot write [^;]*: ENOSPC; Report: /);
    const onDisk = listTree(out);
    expect(onDisk.filter((path) => path.includes('draydog-part'))).toEqual([]);
    const images = onDisk.filter((path) => path.endsWith('.jpg'));
    expect(images.length).toBeGreaterThan(0);
    expect(images.length).toBeLessThan(20);
    const rows = await catalogRows(dir);
    expect(rows.map(({ filePath }) => filePath).sort()).toEqual([...images].sort());
    for (const row of rows) {
      expect(readFileSync(join(out, row.filePath)).equals(sim.frameBytes(row.stream, row.capturedAt, row.variant)!)).toBe(true);
    }
  });
});

describe('a disk remounted read-only mid-run', () => {
  const mountDisk = useTmpfs('64m');

  it.skipIf(!canMountTmpfs())('stops the run with exit 1 and says so first, whatever fails after', async () => {
    const disk = mountDisk();
    const sim = await simulator({ faults: 'none', latencyMs: 20 });
    const dir = freshDir();
    const run = startCli(
      ['download', '--from', DATES[0], '--to', DATES[1], '--base-url', sim.url, '--out', join(disk, 'images'), '--db', 'catalog.sqlite'],
      { cwd: dir },
    );
    await until(() => sim.stats().totalRequests >= 100);
    execFileSync('mount', ['-o', 'remount,ro', disk]);
    const result = await run.finished;
    expect(result.code, result.stderr).toBe(1);
    // the report cannot be written either: that comes after the reason, never instead of it
    expect(lastMessageOf(result.stderr)).toMatch(/^draydog: stopped: cannot write .*\.jpg: EROFS; then: /);
  });
});
