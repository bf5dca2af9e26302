import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duration } from '../../src/cli/watch-command.ts';
import { Image } from '../../src/catalog/image-entity.ts';
import { openCatalog } from '../../src/catalog/open-catalog.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { interruptTwice, listTree, runCli, startCli, until, type CliRun } from '../support/cli.ts';
import { frameFilePath } from '../../src/frame/layout.ts';

const STREAMS = ['in_gate', 'out_gate'];
let sim: Simulator;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'draydog-watch-cli-'));
  sim = await startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', missing: 0.1, seed: 9 });
});
afterAll(async () => {
  await sim?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const freshDir = (name: string) => mkdtempSync(join(root, `${name}-`));
const watchArgs = (baseUrl: string, ...more: string[]) => [
  'watch',
  '--base-url',
  baseUrl,
  '--out',
  'images',
  '--db',
  'catalog.sqlite',
  '--retry-delay',
  '20',
  ...more,
];
/** The JSON log lines of a run (stderr is not a terminal, so pino writes JSON). */
const logLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const images = (dir: string) => listTree(join(dir, 'images')).filter((path) => path.endsWith('.jpg'));
const simImages = (dir: string, dates: string[], until = '9999') =>
  dates
    .flatMap((date) => STREAMS.flatMap((stream) => sim.frames(date, stream)))
    .filter((frame) => frame.capturedAt <= until)
    .map((frame) => frameFilePath(join(dir, 'images'), frame).slice(join(dir, 'images').length + 1))
    .sort();

function expectOneErrorLine(run: CliRun, named: string): void {
  expect(run.code, run.stderr).toBe(2);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toContain(named);
}

describe('draydog watch', () => {
  it.each([
    [['--every', '0'], '--every "0"'],
    [['--every', '10x'], '10x'],
    [['--every', '500'], 'at least 1 s'],
    [['--every', '1h30'], '1h30'],
    [['--settle', '25h'], '--settle "25h"'],
    // 2^31 ms or more: a Node timer would fire after 1 ms
    [['--every', '30d'], '--every "30d"'],
    [['--every', '20d', '--clock-speed', '0.5'], '--every "1728000000"'],
    [['--timeout', '3000000000'], '--timeout "3000000000"'],
    [['--clock-from', '2025-13-01T00:00:00'], '2025-13-01T00:00:00'],
    [['--clock-speed', '0'], '--clock-speed "0"'],
    [['--metrics-port', '70000'], '--metrics-port "70000"'],
    [['--streams', 'In Gate'], 'In Gate'],
    [['--base-url', 'ftp://x'], 'ftp://x'],
  ])('refuses %j with one line and exit 2', async (args, named) => {
    expectOneErrorLine(await runCli(watchArgs(sim.url, ...args), { cwd: freshDir('bad') }), named);
  });

  it('--help lists its options and its own exit codes', async () => {
    const help = await runCli(['watch', '--help'], { cwd: freshDir('help'), spawned: true });
    expect([help.code, help.stderr]).toEqual([0, '']);
    for (const flag of ['--every', '--settle', '--metrics-port', '--max-cycles', '--clock-from']) expect(help.stdout).toContain(flag);
    for (const code of ['0 ', '1 ', '2 ', '130 ']) expect(help.stdout).toMatch(new RegExp(`^\\s+${code}`, 'm'));
    expect(help.stdout).toContain('a second Ctrl-C');
  });

  it('durations: units add up, a bare number is milliseconds', () => {
    const parse = duration('--every');
    expect([parse('10m'), parse('1h30m'), parse('30s'), parse('250ms'), parse('1d'), parse('1500'), parse(undefined)]).toEqual([
      600_000,
      5_400_000,
      30_000,
      250,
      86_400_000,
      1500,
      undefined,
    ]);
  });

  it('--max-cycles: runs that many cycles from --clock-from and exits 0; --metrics-port 0 names its port', async () => {
    const cwd = freshDir('cycles');
    const run = await runCli(
      watchArgs(sim.url, '--max-cycles', '2', '--clock-from', '2025-09-01T12:00:00', '--clock-speed', '600', '--metrics-port', '0'),
      { cwd },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Stopped after 2 cycles (0 failed).');
    const lines = logLines(run.stderr);
    // loopback unless --metrics-host says otherwise
    expect(lines.find((line) => String(line.msg).startsWith('metrics at http://127.0.0.1:'))).toMatchObject({
      host: '127.0.0.1',
      port: expect.any(Number),
    });
    const cycles = lines.filter((line) => line.cycle !== undefined);
    expect(cycles.map((line) => line.cycle)).toEqual([1, 2]);
    expect(cycles[0]).toMatchObject({ until: '2025-09-01T12:00:00', dates: ['2025-09-01'] });
    expect(images(cwd)).toEqual(expect.arrayContaining(simImages(cwd, ['2025-09-01'], '2025-09-01T12:00:00')));
    expect(images(cwd).every((path) => path.startsWith('2025-09-01/'))).toBe(true);
  });

  it('--clock-speed alone speeds up the real clock; the period is shown in hours, minutes or seconds', async () => {
    const sped = await runCli(watchArgs(sim.url, '--max-cycles', '1', '--clock-speed', '2', '--every', '90s', '--streams', 'in_gate'), {
      cwd: freshDir('speed'),
    });
    expect(sped.code, sped.stderr).toBe(0);
    const [first] = logLines(sped.stderr).filter((line) => line.cycle !== undefined);
    expect(Math.abs(Date.parse(`${first.until}Z`) - Date.now())).toBeLessThan(60_000);
    expect(sped.stderr).toContain('a cycle every 90 s');
    const hourly = await runCli(watchArgs(sim.url, '--max-cycles', '1', '--every', '1h', '--streams', 'out_gate', '--quiet'), {
      cwd: freshDir('hourly'),
    });
    expect(hourly.code, hourly.stderr).toBe(0);
    // -q: errors only, not even the summary
    expect(hourly.stderr).toBe('');
  });

  it('the first SIGINT drains: the cycle ends, the catalog is saved, exit 0', async () => {
    const cwd = freshDir('sigint-in-process');
    const before = new Set(process.listeners('SIGINT'));
    const pending = runCli(watchArgs(sim.url, '--clock-from', '2025-09-02T06:00:00'), { cwd });
    // in this process a real signal would reach the test runner too: call the watch's own handler
    await until(() => process.listeners('SIGINT').some((listener) => !before.has(listener)));
    const onSignal = process.listeners('SIGINT').find((listener) => !before.has(listener))!;
    await until(() => images(cwd).length > 0);
    onSignal('SIGINT');
    const run = await pending;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('SIGINT: finishing the cycle');
    expect(run.stderr).toContain('Stopped after 1 cycle (0 failed).');
    expect(process.listeners('SIGINT').some((listener) => !before.has(listener))).toBe(false);
    const orm = await openCatalog({ dbPath: join(cwd, 'catalog.sqlite') });
    try {
      expect((await orm.em.fork().find(Image, {})).map((row) => row.filePath).sort()).toEqual(images(cwd)); // relative to the archive's root
    } finally {
      await orm.close();
    }
  });
});

describe('draydog watch as a process', () => {
  it('keeps a folder current across two simulated midnights, answers /metrics and /healthz, and exits 0 on SIGINT', {
    timeout: 60_000,
  }, async () => {
    const cwd = freshDir('midnights');
    // 10 simulated minutes every 50 ms: from 23:30 to past 01:00 two days later in about 8 s
    const run = startCli(
      watchArgs(
        sim.url,
        '--clock-from',
        '2025-09-01T23:30:00',
        '--clock-speed',
        '12000',
        '--metrics-port',
        '0',
        '--metrics-host',
        '127.0.0.1',
      ),
      {
        cwd,
        timeoutMs: 50_000,
      },
    );
    let stderr = '';
    run.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const cycles = () => logLines(stderr).filter((line) => line.cycle !== undefined);
    await until(() => cycles().some((line) => String(line.until) >= '2025-09-03T01:10:00'), 45_000);

    const port = logLines(stderr).find((line) => line.port !== undefined)?.port;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(Number(/draydog_frames_total\{stream="in_gate",outcome="downloaded"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(200);
    expect(metrics).toMatch(/draydog_cycles_total\{result="ok"\} \d+/);
    expect(metrics).toContain('draydog_newest_frame_lag_seconds{stream="out_gate"}');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect([health.status, ((await health.json()) as { status: string }).status]).toEqual([200, 'ok']);

    run.child.kill('SIGINT');
    const result = await run.finished;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Stopped after \d+ cycles \(0 failed\)\./);
    // the settle windows after both midnights looked at the day before
    const dates = cycles().map((line) => (line.dates as string[]).join(' '));
    expect(dates.some((list) => list.includes('2025-09-01 2025-09-02'))).toBe(true);
    expect(dates.some((list) => list.includes('2025-09-02 2025-09-03'))).toBe(true);
    // both past days are complete, and the third up to 01:00
    expect(images(cwd)).toEqual(expect.arrayContaining(simImages(cwd, ['2025-09-01', '2025-09-02', '2025-09-03'], '2025-09-03T01:00:00')));
    expect(listTree(cwd).filter((path) => path.includes('draydog-part'))).toEqual([]);
  });

  it('a second SIGINT aborts the frames in flight: exit 130 at once, no partial file', async () => {
    const slow = await startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', latencyMs: 1500, seed: 9 });
    try {
      const cwd = freshDir('twice');
      const run = startCli(watchArgs(slow.url, '--clock-from', '2025-09-02T12:00:00'), { cwd });
      await until(() => slow.stats().totalRequests >= 8);
      const { result, msAfterSecond } = await interruptTwice(run);
      expect(result.code, result.stderr).toBe(130);
      expect(msAfterSecond).toBeLessThan(2000);
      expect(listTree(cwd).filter((path) => path.includes('draydog-part'))).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});
