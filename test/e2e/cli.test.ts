import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimFrame, type Simulator } from '../../src/simulator/index.ts';
import { Image } from '../../src/catalog/image-entity.ts';
import { openCatalog } from '../../src/catalog/open-catalog.ts';
import { upsertImages, type ImageRow } from '../../src/catalog/images.ts';
import { listTree, runCli, summaryOf, warningsOf, type CliRun } from '../support/cli.ts';
import { fakeJpeg } from '../support/jpeg.ts';

const DATE = '2025-09-01';
const STATS_KEYS = [
  'requested',
  'downloaded',
  'alreadyExisted',
  'notFound',
  'failed',
  'bytes',
  'successRate',
  'startedAt',
  'finishedAt',
  'durationMs',
];

let sim: Simulator;
let stormSim: Simulator;
let root: string;

/** A new empty folder to run the command in. */
const freshDir = (name: string) => mkdtempSync(join(root, `${name}-`));

const compactName = (frame: Pick<SimFrame, 'capturedAt' | 'stream'>) => `${frame.capturedAt.replace(/[-T:]/g, '')}_${frame.stream}.jpg`;

/** Frame requests the simulator has seen so far, per path. */
const requestsByPath = (simulator: Simulator) => ({ ...simulator.stats().requestsByPath });

/** The one line a refused command writes on stderr: it names the bad value and holds no stack trace. */
function expectOneErrorLine(run: CliRun, named: string, check = expect): void {
  const lines = run.stderr.trimEnd().split('\n');
  check(lines, run.stderr).toHaveLength(1);
  check(lines[0]).toContain(named);
  check(run.stderr).not.toMatch(/^\s+at /m);
}

/** Cells of a table printed with two or more spaces between columns. */
const tableRows = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/\s{2,}/));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'draydog-cli-'));
  [sim, stormSim] = await Promise.all([
    startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', missing: 0.15, thumbnailOnly: 0.1, seed: 7 }),
    startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', missing: 0, thumbnailOnly: 0, seed: 7 }),
  ]);
});

afterAll(async () => {
  await Promise.all([sim?.close(), stormSim?.close()]);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('draydog download: bad input', () => {
  interface BadInput {
    readonly name: string;
    readonly args: readonly string[];
    /** What the error line must name. */
    readonly named: string;
  }
  const download = (...args: string[]) => ['download', ...args];
  const badInputs: BadInput[] = [
    { name: 'a month that does not exist', args: download('--from', '2025-13-01'), named: '2025-13-01' },
    { name: 'a day that does not exist', args: download('--from', '2025-02-30'), named: '2025-02-30' },
    { name: 'a year before 1000', args: download('--from', '0025-09-01'), named: '0025-09-01' },
    { name: '--to before --from', args: download('--from', '2025-09-02', '--to', '2025-09-01'), named: '2025-09-01' },
    { name: 'a stream with a path trick', args: download('--from', DATE, '--streams', '../x'), named: '../x' },
    { name: 'an upper-case terminal', args: download('--from', DATE, '--terminal', 'APM'), named: 'APM' },
    { name: '--concurrency 0', args: download('--from', DATE, '--concurrency', '0'), named: '--concurrency "0"' },
    { name: '--concurrency abc', args: download('--from', DATE, '--concurrency', 'abc'), named: '--concurrency "abc"' },
    { name: '--retries 99', args: download('--from', DATE, '--retries', '99'), named: '--retries "99"' },
    // 2^31 ms or more would become 1 ms in a Node timer; rates this low would overflow one too
    {
      name: 'a --timeout past what a timer can wait',
      args: download('--from', DATE, '--timeout', '3000000000'),
      named: '--timeout "3000000000"',
    },
    {
      name: 'a --max-retry-after past what a timer can wait',
      args: download('--from', DATE, '--max-retry-after', '9999999999'),
      named: '--max-retry-after "9999999999"',
    },
    {
      name: 'a --retry-delay past what a timer can wait',
      args: download('--from', DATE, '--retry-delay', '3000000000'),
      named: '--retry-delay "3000000000"',
    },
    {
      name: 'a --request-deadline past what a timer can wait',
      args: download('--from', DATE, '--request-deadline', '3000000000'),
      named: '--request-deadline "3000000000"',
    },
    { name: '--rate 1e-9', args: download('--from', DATE, '--rate', '1e-9'), named: '--rate "1e-9"' },
    { name: '--bandwidth 0.0001', args: download('--from', DATE, '--bandwidth', '0.0001'), named: '--bandwidth "0.0001"' },
    { name: '--max-frame-size 2G', args: download('--from', DATE, '--max-frame-size', '2G'), named: '--max-frame-size "2G"' },
    { name: '--min-speed fast', args: download('--from', DATE, '--min-speed', 'fast'), named: '--min-speed "fast"' },
    // an unset shell variable: never the default in its place
    { name: 'an empty --base-url', args: download('--from', DATE, '--base-url', ''), named: '--base-url ""' },
    { name: 'an empty --out', args: download('--from', DATE, '--out', ''), named: '--out ""' },
    { name: 'an empty --db', args: download('--from', DATE, '--db', ''), named: '--db ""' },
    { name: 'an empty --to', args: download('--from', DATE, '--to', ''), named: '--to ""' },
    { name: 'an empty --report', args: download('--from', DATE, '--report', ''), named: '--report ""' },
    {
      name: 'a discover --page-timeout past what a timer can wait',
      args: ['discover', '--from', DATE, '--page-url', 'http://127.0.0.1:9', '--page-timeout', '3000000000'],
      named: '--page-timeout "3000000000"',
    },
    {
      name: 'a simulate --latency-ms past what a timer can wait',
      args: ['simulate', '--latency-ms', '3000000000'],
      named: '--latency-ms "3000000000"',
    },
    { name: 'a base URL that is not http(s)', args: download('--from', DATE, '--base-url', 'ftp://x'), named: 'ftp://x' },
    { name: 'a missing --frames file', args: download('--frames', 'no-such-frames.txt'), named: 'no-such-frames.txt' },
    {
      name: '--frames /dev/zero (no end of line)',
      args: download('--frames', '/dev/zero'),
      named: '"/dev/zero" line 1: longer than 4096 characters',
    },
    {
      name: 'a --frames file with a huge line',
      args: download('--frames', 'huge-line.txt'),
      named: '"huge-line.txt" line 2: longer than 4096 characters',
    },
    { name: 'a malformed --frames file', args: download('--frames', 'frames.txt'), named: 'line 3' },
    { name: 'no --from', args: download(), named: '--from' },
    { name: 'an unknown flag', args: download('--from', DATE, '--bogus-flag'), named: 'bogus-flag' },
    { name: 'a --db that is a text file', args: download('--from', DATE, '--db', 'notes.txt'), named: 'notes.txt' },
    { name: "a --db of another application's SQLite", args: download('--from', DATE, '--db', 'other.sqlite'), named: 'other.sqlite' },
    { name: 'an --out under a regular file', args: download('--from', DATE, '--out', 'plain-file/images'), named: 'plain-file/images' },
    {
      name: 'a --db under a regular file',
      args: download('--from', DATE, '--db', 'plain-file/catalog.sqlite'),
      named: 'plain-file/catalog.sqlite',
    },
    {
      name: 'a --report under a regular file',
      args: download('--from', DATE, '--report', 'plain-file/report.json'),
      named: 'plain-file/report.json',
    },
    {
      name: 'an --html over a file that is not a draydog HTML report',
      args: download('--from', DATE, '--html', 'notes.txt'),
      named: 'notes.txt',
    },
    { name: 'a missing --config file', args: download('--from', DATE, '--config', 'no-such-config.json'), named: 'no-such-config.json' },
    { name: 'a report date that does not exist', args: ['report', '--from', '2025-02-30'], named: '2025-02-30' },
    { name: 'a report on a catalog that does not exist', args: ['report', '--db', 'no-such.sqlite'], named: 'no-such.sqlite' },
    { name: 'organize from a folder that does not exist', args: ['organize', 'no-such-folder', 'library'], named: 'no-such-folder' },
  ];
  const notes = Buffer.from('Not a database, just notes.\n');

  it.concurrent.for(badInputs)(
    'exits 2 on $name, with one line naming it and no files created',
    async ({ args, named }, { expect: check }) => {
      const dir = freshDir('bad');
      writeFileSync(join(dir, 'notes.txt'), notes);
      writeFileSync(join(dir, 'frames.txt'), `in_gate ${DATE}T00:00:00\n# a comment\nin_gate ${DATE} 10:00\n`);
      writeFileSync(join(dir, 'plain-file'), 'a regular file\n');
      const other = new DatabaseSync(join(dir, 'other.sqlite'));
      other.exec("create table users (name text); insert into users values ('ada')");
      other.close();
      writeFileSync(join(dir, 'huge-line.txt'), `in_gate ${DATE}T00:00:00\n${'x'.repeat(1_000_000)}\nin_gate ${DATE}T00:10:00\n`);
      const before = listTree(dir);
      const requestsBefore = sim.stats().totalRequests;

      const run = await runCli(args[0] === 'download' && !args.includes('--base-url') ? [...args, '--base-url', sim.url] : args, {
        cwd: dir,
      });

      check(run.code, run.stderr).toBe(2);
      expectOneErrorLine(run, named, check);
      check(run.stdout).toBe('');
      check(listTree(dir)).toEqual(before);
      check(readFileSync(join(dir, 'notes.txt')).equals(notes)).toBe(true);
      check(sim.stats().totalRequests).toBe(requestsBefore);
    },
  );
});

describe('draydog download: a CDN that cannot be reached', () => {
  it('stops at the first refused connection: exit 1, one line naming the host and the error, no retries', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const dir = freshDir('unreachable');

    // killed after 20 s: retried as before, 288 frames took about a minute
    const run = await runCli(['download', '--from', DATE, '--base-url', `http://${host}`, '--report', 'report.json'], {
      cwd: dir,
      spawned: true,
      timeoutMs: 20_000,
    });

    expect(run.code, run.stderr).toBe(1);
    // no line per frame or per retry: the start, the reason (logged, then in the summary) and the summary
    expect(run.stderr.trimEnd().split('\n').length, run.stderr).toBeLessThanOrEqual(6);
    expect(run.stderr).toContain(`Stopped: cannot reach ${host}: ECONNREFUSED`);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.stopReason).toMatch(`stopped: cannot reach ${host}: ECONNREFUSED`);
    expect(report.stats.downloaded).toBe(0);
    expect(report.failures.every((failure: { attempts: number }) => failure.attempts === 1)).toBe(true);
  });
});

describe('draydog download: --dry-run spelled as people do', () => {
  it.for([
    { how: '--dry-run=yes', args: ['--dry-run=yes'], env: {} },
    { how: '--dry-run=on', args: ['--dry-run=on'], env: {} },
    { how: 'DRAYDOG_DRY_RUN=1', args: [], env: { DRAYDOG_DRY_RUN: '1' } },
    { how: 'DRAYDOG_DRY_RUN=yes', args: [], env: { DRAYDOG_DRY_RUN: 'yes' } },
  ])('$how is honoured: the plan, nothing fetched or written', async ({ args, env }) => {
    const dir = freshDir('dry-words');
    const requestsBefore = sim.stats().totalRequests;
    const run = await runCli(['download', '--from', DATE, '--max-per-date', '2', '--base-url', sim.url, ...args], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(tableRows(run.stdout).at(-1)).toEqual(['total', '4', '0', '4']);
    expect([listTree(dir), sim.stats().totalRequests]).toEqual([[], requestsBefore]);
  });

  it.for([
    { how: '--dry-run=maybe', args: ['--dry-run=maybe'], env: {}, named: '--dry-run "maybe"' },
    { how: 'DRAYDOG_DRY_RUN=sure', args: [], env: { DRAYDOG_DRY_RUN: 'sure' }, named: '--dry-run "sure"' },
  ])('$how is refused, naming it', async ({ args, env, named }) => {
    const dir = freshDir('dry-bad');
    const run = await runCli(['download', '--from', DATE, '--max-per-date', '2', '--base-url', sim.url, ...args], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(2);
    expectOneErrorLine(run, named);
    expect(listTree(dir)).toEqual([]);
  });
});

describe('draydog download: a stream named twice', () => {
  it('is planned once, not twice per slot', async () => {
    const dir = freshDir('twice');
    const run = await runCli(
      ['download', '--from', DATE, '--streams', 'in_gate,in_gate', '--interval', '720', '--base-url', sim.url, '--dry-run'],
      { cwd: dir },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(tableRows(run.stdout)).toEqual([
      ['date', 'stream', 'frames', 'on disk', 'to fetch'],
      [DATE, 'in_gate', '2', '0', '2'],
      ['total', '2', '0', '2'],
    ]);
  });
});

describe('draydog download: an empty setting', () => {
  it('from an environment variable is refused like an empty flag, naming the option', async () => {
    const dir = freshDir('empty-env');
    // a dry run: should the empty value be taken for "not given", nothing goes to the production CDN
    const run = await runCli(['download', '--from', DATE, '--dry-run'], { cwd: dir, env: { DRAYDOG_BASE_URL: '' }, spawned: true });
    expect(run.code, run.stderr).toBe(2);
    expectOneErrorLine(run, '--base-url ""');
    expect(listTree(dir)).toEqual([]);
  });
});

describe('draydog download', () => {
  // The first 20 grid slots of in_gate: some without a frame, some with only a thumbnail.
  const args = (url: string, maxPerDate = 20) => [
    'download',
    '--from',
    DATE,
    '--streams',
    'in_gate',
    '--max-per-date',
    String(maxPerDate),
    '--base-url',
    url,
    '--out',
    'images',
    '--db',
    'catalog.sqlite',
  ];
  const inWindow = () => sim.frames(DATE, 'in_gate').filter((frame) => frame.capturedAt < `${DATE}T03:20:00`);
  const bytesOf = (frame: SimFrame) => sim.frameBytes(frame.stream, frame.capturedAt, frame.thumbnailOnly ? 'thumbnail' : 'full')!;
  let dir: string;

  it('--json prints exactly one JSON document, the report, also saved under <out>/reports; the summary goes to stderr', async () => {
    const expected = inWindow();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(20);
    expect(expected.some((frame) => frame.thumbnailOnly)).toBe(true);
    dir = freshDir('download');

    const run = await runCli([...args(sim.url), '--json'], { cwd: dir, spawned: true });

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.endsWith('}\n')).toBe(true);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    const report = JSON.parse(run.stdout);
    expect(Object.keys(report.stats)).toEqual(expect.arrayContaining(STATS_KEYS));
    expect(report.stats).toMatchObject({
      requested: 20,
      downloaded: expected.length,
      alreadyExisted: 0,
      notFound: 20 - expected.length,
      failed: 0,
      thumbnails: expected.filter((frame) => frame.thumbnailOnly).length,
      bytes: expected.reduce((sum, frame) => sum + bytesOf(frame).length, 0),
      successRate: 100,
    });
    const { startedAt, finishedAt, durationMs } = report.stats;
    expect(Date.parse(finishedAt)).toBeGreaterThanOrEqual(Date.parse(startedAt));
    expect(durationMs).toBeGreaterThanOrEqual(0);
    expect(report.failures).toEqual([]);

    const reports = readdirSync(join(dir, 'images', 'reports'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^download-\d{8}T\d{6}\.\d{3}Z\.json$/);
    expect(JSON.parse(readFileSync(join(dir, 'images', 'reports', reports[0]), 'utf8'))).toEqual(report);

    expect(run.stderr).toContain(`Done: 20 frames: ${expected.length} downloaded`);
    expect(run.stderr).toContain(`Report: ${join('images', 'reports', reports[0])}`);

    for (const frame of expected) {
      expect(readFileSync(join(dir, 'images', DATE, 'in_gate', compactName(frame))).equals(bytesOf(frame))).toBe(true);
    }
    expect(listTree(join(dir, 'images', DATE, 'in_gate'))).toHaveLength(expected.length);
  });

  it('a second run fetches nothing that is on disk, writes the report at --report, and exits 0', async () => {
    const expected = inWindow();
    const before = requestsByPath(sim);

    const run = await runCli([...args(sim.url), '--report', 'second/report.json'], { cwd: dir });

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Done: 20 frames: 0 downloaded`);
    expect(run.stderr).toContain('Report: second/report.json');
    const report = JSON.parse(readFileSync(join(dir, 'second', 'report.json'), 'utf8'));
    expect(report.stats).toMatchObject({
      requested: 20,
      downloaded: 0,
      alreadyExisted: expected.length,
      notFound: 20 - expected.length,
      failed: 0,
    });
    expect(readdirSync(join(dir, 'images', 'reports'))).toHaveLength(1);

    const after = requestsByPath(sim);
    const onDisk = new Set(expected.flatMap((frame) => [frame.fullPath, frame.thumbnailPath]));
    const askedAgain = Object.keys(after).filter((path) => onDisk.has(path) && after[path] !== before[path]);
    expect(askedAgain).toEqual([]);
  });

  it('--dry-run prints the plan, fetches nothing and creates nothing; with --json the plan is JSON', async () => {
    const empty = freshDir('dry-run');
    const treeBefore = listTree(dir);
    const requestsBefore = sim.stats().totalRequests;
    const expected = inWindow();

    const [table, json] = await Promise.all([
      runCli(['download', '--from', DATE, '--max-per-date', '5', '--base-url', sim.url, '--dry-run'], { cwd: empty }),
      runCli([...args(sim.url), '--dry-run', '--json'], { cwd: dir }),
    ]);

    expect(table.code, table.stderr).toBe(0);
    expect(tableRows(table.stdout)).toEqual([
      ['date', 'stream', 'frames', 'on disk', 'to fetch'],
      [DATE, 'in_gate', '5', '0', '5'],
      [DATE, 'out_gate', '5', '0', '5'],
      ['total', '10', '0', '10'],
    ]);
    expect(listTree(empty)).toEqual([]);

    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      dryRun: true,
      plan: [{ date: DATE, stream: 'in_gate', frames: 20, onDisk: expected.length, toFetch: 20 - expected.length }],
    });
    expect(listTree(dir)).toEqual(treeBefore);
    expect(sim.stats().totalRequests).toBe(requestsBefore);
  });

  it('exits 9 when nothing was found, warns of the empty stream and says 0 %', async () => {
    const emptyDir = freshDir('nothing');
    const run = await runCli(['download', '--from', DATE, '--streams', 'outgate', '--max-per-date', '3', '--base-url', sim.url, '--json'], {
      cwd: emptyDir,
    });

    expect(run.code, run.stderr).toBe(9);
    expect(warningsOf(run.stderr)).toEqual([
      'no frame of outgate on 2025-09-01: is --base-url / the stream name right? frames off the 10-minute grid need --discover',
    ]);
    expect(summaryOf(run.stderr)).toContain('success rate 0.00 %');
    const report = JSON.parse(run.stdout);
    expect(report.stats).toMatchObject({ requested: 3, notFound: 3, successRate: 0 });
    expect(report.emptyDateStreams).toEqual([`${DATE}/outgate`]);
    // nothing changed, but something is wrong: the run is worth a report
    expect(readdirSync(join(emptyDir, 'data', 'images', 'reports'))).toHaveLength(1);
  });

  it('exits 1 when frames keep failing, and the report lists them', async () => {
    stormSim.storm({ status: 503, retryAfterSeconds: 0, untilMs: Date.now() + 60_000 });
    const frames = stormSim.frames(DATE, 'in_gate').slice(0, 3);
    const stormDir = freshDir('storm');

    const run = await runCli([...args(stormSim.url, 3), '--retries', '1', '--retry-delay', '1', '--report', 'report.json', '--json'], {
      cwd: stormDir,
    });

    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.stats).toMatchObject({ requested: 3, downloaded: 0, failed: 3, successRate: 0 });
    expect(report.failures).toHaveLength(3);
    expect([...report.failures].sort((a, b) => a.capturedAt.localeCompare(b.capturedAt))).toEqual(
      frames.map((frame) => ({
        stream: 'in_gate',
        capturedAt: frame.capturedAt,
        url: `${stormSim.url}${frame.fullPath}`,
        error: expect.stringContaining('503'),
        attempts: 2,
      })),
    );
    expect(JSON.parse(readFileSync(join(stormDir, 'report.json'), 'utf8'))).toEqual(report);
    expect(run.stderr).toContain('3 failed');
    expect(listTree(join(stormDir, 'images')).filter((path) => path.endsWith('.jpg'))).toEqual([]);
  });
});

describe('draydog download: DRAYDOG_* variables and --config', () => {
  it('takes options from the config file, the environment over it, and flags over both', async () => {
    const dirs = [freshDir('config'), freshDir('config'), freshDir('config')];
    for (const dir of dirs) writeFileSync(join(dir, 'draydog.json'), JSON.stringify({ from: DATE, baseUrl: 'ftp://from-config' }));
    const env = { DRAYDOG_BASE_URL: 'ftp://from-env' };

    const [fromConfig, fromEnv, fromFlag] = await Promise.all([
      runCli(['download', '--config', 'draydog.json'], { cwd: dirs[0], spawned: true }),
      runCli(['download', '--config', 'draydog.json'], { cwd: dirs[1], env, spawned: true }),
      runCli(['download', '--config', 'draydog.json', '--base-url', 'ftp://from-flag'], { cwd: dirs[2], env, spawned: true }),
    ]);

    for (const run of [fromConfig, fromEnv, fromFlag]) expect(run.code, run.stderr).toBe(2);
    expectOneErrorLine(fromConfig, 'ftp://from-config');
    expectOneErrorLine(fromEnv, 'ftp://from-env');
    expectOneErrorLine(fromFlag, 'ftp://from-flag');
  });

  it('refuses a key of the config file that no command has, naming it, as an unknown flag', async () => {
    const dir = freshDir('config-typo');
    writeFileSync(join(dir, 'draydog.json'), JSON.stringify({ from: DATE, concurency: 4 }));
    // a key of another command (simulate's --port) is no typo: download ignores it
    writeFileSync(join(dir, 'shared.json'), JSON.stringify({ from: DATE, port: 8080, baseUrl: 'ftp://from-shared' }));

    const [typo, shared] = await Promise.all([
      runCli(['download', '--config', 'draydog.json'], { cwd: dir }),
      runCli(['download', '--config', 'shared.json'], { cwd: dir }),
    ]);

    expect(typo.code, typo.stderr).toBe(2);
    expectOneErrorLine(typo, 'invalid --config "draydog.json": unknown option "concurency"');
    expect(listTree(dir)).toEqual(['draydog.json', 'shared.json']);
    expect(shared.code, shared.stderr).toBe(2);
    expectOneErrorLine(shared, 'ftp://from-shared');
  });

  it('finds the config at $XDG_CONFIG_HOME/draydog/config.json, ~/.config/draydog/config.json, or where DRAYDOG_CONFIG says', async () => {
    const dir = freshDir('config-places');
    const put = (path: string, baseUrl: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), JSON.stringify({ from: DATE, baseUrl }));
    };
    put('xdg/draydog/config.json', 'ftp://from-xdg');
    put('home/.config/draydog/config.json', 'ftp://from-home');
    put('elsewhere.json', 'ftp://from-variable');

    const xdg = await runCli(['download'], { cwd: dir, env: { XDG_CONFIG_HOME: join(dir, 'xdg'), HOME: join(dir, 'home') } });
    const home = await runCli(['download'], { cwd: dir, env: { XDG_CONFIG_HOME: undefined, HOME: join(dir, 'home') } });
    const variable = await runCli(['download'], { cwd: dir, env: { XDG_CONFIG_HOME: join(dir, 'xdg'), DRAYDOG_CONFIG: 'elsewhere.json' } });
    const flag = await runCli(['download', '--config', 'elsewhere.json'], { cwd: dir, env: { XDG_CONFIG_HOME: join(dir, 'xdg') } });

    for (const run of [xdg, home, variable, flag]) expect(run.code, run.stderr).toBe(2);
    expectOneErrorLine(xdg, 'ftp://from-xdg');
    expectOneErrorLine(home, 'ftp://from-home');
    expectOneErrorLine(variable, 'ftp://from-variable');
    expectOneErrorLine(flag, 'ftp://from-variable');
  });

  it('`draydog config` prints the effective settings and where each came from', async () => {
    const dir = freshDir('config-show');
    mkdirSync(join(dir, 'xdg', 'draydog'), { recursive: true });
    writeFileSync(join(dir, 'xdg', 'draydog', 'config.json'), JSON.stringify({ timeout: 1234, 'base-url': 'http://from-file' }));
    const env = { XDG_CONFIG_HOME: join(dir, 'xdg'), DRAYDOG_RETRIES: '5', DRAYDOG_BASE_URL: 'http://from-env' };

    const [json, table] = await Promise.all([
      // spawned: yargs reads DRAYDOG_* from the environment of the process
      runCli(['config', '--concurrency', '4', '-v', '--json'], { cwd: dir, env, spawned: true }),
      runCli(['config', '--concurrency', '4'], { cwd: dir, env, spawned: true }),
    ]);

    expect(json.code, json.stderr).toBe(0);
    const settings = Object.fromEntries(
      (JSON.parse(json.stdout) as { option: string; value: unknown; from: string }[]).map(({ option, ...rest }) => [option, rest]),
    );
    expect(settings).toMatchObject({
      concurrency: { value: 4, from: 'flag' },
      verbose: { value: 1, from: 'flag' },
      retries: { value: 5, from: 'env' },
      'base-url': { value: 'http://from-env', from: 'env' },
      timeout: { value: 1234, from: 'file' },
      config: { value: join(dir, 'xdg', 'draydog', 'config.json'), from: 'file' },
      'retry-delay': { value: 1000, from: 'default' },
      streams: { value: ['in_gate', 'out_gate'], from: 'default' },
    });
    expect(Object.keys(settings)).not.toContain('q');
    expect(table.code, table.stderr).toBe(0);
    expect(tableRows(table.stdout)).toContainEqual(['concurrency', '4', 'flag']);
    expect(tableRows(table.stdout)).toContainEqual(['timeout', '1234', 'file']);
    expect(tableRows(table.stdout)).toContainEqual(['streams', 'in_gate,out_gate', 'default']);
  });

  it('runs a download set up by all three', async () => {
    const dir = freshDir('config-run');
    const config = { from: '2025-09-02', streams: 'in_gate', baseUrl: sim.url, maxPerDate: 5, out: 'from-config', db: 'catalog.sqlite' };
    writeFileSync(join(dir, 'draydog.json'), JSON.stringify(config));

    const run = await runCli(['download', '--config', 'draydog.json', '--out', 'from-flag'], {
      cwd: dir,
      env: { DRAYDOG_MAX_PER_DATE: '2', DRAYDOG_OUT: 'from-env', DRAYDOG_JSON: 'true' },
      spawned: true,
    });

    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.config).toMatchObject({
      from: '2025-09-02',
      streams: ['in_gate'],
      baseUrl: sim.url,
      maxPerDate: 2,
      out: 'from-flag',
      dbPath: 'catalog.sqlite',
    });
    expect(report.stats.requested).toBe(2);
    const tree = listTree(dir);
    expect(tree).toContain('from-flag/2025-09-02/in_gate/');
    expect(tree.filter((path) => path.startsWith('from-env') || path.startsWith('from-config'))).toEqual([]);
  });
});

describe('draydog organize', () => {
  it('moves what it recognises into the layout, leaves the rest with reasons, never overwrites, and updates the catalog', async () => {
    const dir = freshDir('organize');
    const put = (path: string, body: Buffer | string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), body);
    };
    const moves = {
      'messy/20250901100000_in_gate.jpg': 'library/2025-09-01/in_gate/20250901100000_in_gate.jpg',
      'messy/cdn/2025-09-01T10:10:00-in_gate.jpeg': 'library/2025-09-01/in_gate/20250901101000_in_gate.jpg',
      'messy/cdn/deeper/20250901102000_out_gate.JPG': 'library/2025-09-01/out_gate/20250901102000_out_gate.jpg',
      'messy/cdn/deeper/2025-09-01T10:40:00-out_gate-thumbnail.jpeg': 'library/2025-09-01/out_gate/20250901104000_out_gate.jpg',
    };
    const bodies = new Map(
      Object.keys(moves).map((path) => [path, fakeJpeg(path, path.includes('thumbnail') ? { width: 320, height: 180 } : {})]),
    );
    for (const [path, body] of bodies) put(path, body);
    put('messy/notes.txt', 'shift notes\n');
    put('messy/cdn/holiday.jpg', fakeJpeg('holiday'));
    const taken = 'library/2025-09-01/in_gate/20250901103000_in_gate.jpg';
    put('messy/20250901103000_in_gate.jpg', fakeJpeg('newcomer'));
    put(taken, fakeJpeg('already there'));

    const row = (stream: string, capturedAt: string, filePath: string): ImageRow => ({
      terminal: 'apm',
      stream,
      capturedAt,
      filePath,
      fileSize: 1,
      sha256: 'x',
      sourceUrl: null,
      variant: 'full',
      downloadedAt: '2025-09-02T00:00:00.000Z',
    });
    const seeded = await openCatalog({ dbPath: join(dir, 'catalog.sqlite') });
    await upsertImages(seeded, [
      row('in_gate', `${DATE}T10:00:00`, 'old/place/20250901100000_in_gate.jpg'),
      row('in_gate', `${DATE}T10:30:00`, taken),
    ]);
    await seeded.close();

    const run = await runCli(['organize', 'messy', 'library', '--db', 'catalog.sqlite'], { cwd: dir });

    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('moved')).sort()).toEqual(
      Object.entries(moves)
        .map(([from, to]) => `moved  ${from} -> ${to}`)
        .sort(),
    );
    const left = Object.fromEntries(
      lines.filter((line) => line.startsWith('left')).map((line) => line.replace(/^left\s+/, '').split(/: (.*)/)),
    );
    expect(Object.keys(left).sort()).toEqual(['messy/20250901103000_in_gate.jpg', 'messy/cdn/holiday.jpg', 'messy/notes.txt']);
    expect(left['messy/20250901103000_in_gate.jpg']).toBe(`${taken} already exists with other content (another sha256)`);
    expect(left['messy/cdn/holiday.jpg']).toMatch(/name/);
    expect(left['messy/notes.txt']).toMatch(/\.jpg/);
    expect(run.stderr).toContain('Moved 4 files, 0 already there, left 3.');

    expect(listTree(join(dir, 'messy'))).toEqual(['20250901103000_in_gate.jpg', 'cdn/', 'cdn/deeper/', 'cdn/holiday.jpg', 'notes.txt']);
    for (const [from, to] of Object.entries(moves)) expect(readFileSync(join(dir, to)).equals(bodies.get(from)!)).toBe(true);
    expect(readFileSync(join(dir, taken)).equals(fakeJpeg('already there'))).toBe(true);
    expect(readFileSync(join(dir, 'messy/20250901103000_in_gate.jpg')).equals(fakeJpeg('newcomer'))).toBe(true);

    const orm = await openCatalog({ dbPath: join(dir, 'catalog.sqlite') });
    try {
      const rows = await orm.em.fork().find(Image, {}, { orderBy: { stream: 'asc', capturedAt: 'asc' } });
      expect(
        rows.map(({ stream, capturedAt, filePath, fileSize, variant }) => ({ stream, capturedAt, filePath, fileSize, variant })),
      ).toEqual([
        {
          stream: 'in_gate',
          capturedAt: `${DATE}T10:00:00`,
          filePath: relative('library', moves['messy/20250901100000_in_gate.jpg']),
          fileSize: bodies.get('messy/20250901100000_in_gate.jpg')!.length,
          variant: 'full',
        },
        {
          stream: 'in_gate',
          capturedAt: `${DATE}T10:10:00`,
          filePath: relative('library', moves['messy/cdn/2025-09-01T10:10:00-in_gate.jpeg']),
          fileSize: bodies.get('messy/cdn/2025-09-01T10:10:00-in_gate.jpeg')!.length,
          variant: 'full',
        },
        { stream: 'in_gate', capturedAt: `${DATE}T10:30:00`, filePath: taken, fileSize: 1, variant: 'full' },
        {
          stream: 'out_gate',
          capturedAt: `${DATE}T10:20:00`,
          filePath: relative('library', moves['messy/cdn/deeper/20250901102000_out_gate.JPG']),
          fileSize: bodies.get('messy/cdn/deeper/20250901102000_out_gate.JPG')!.length,
          variant: 'full',
        },
        {
          stream: 'out_gate',
          capturedAt: `${DATE}T10:40:00`,
          filePath: relative('library', moves['messy/cdn/deeper/2025-09-01T10:40:00-out_gate-thumbnail.jpeg']),
          fileSize: bodies.get('messy/cdn/deeper/2025-09-01T10:40:00-out_gate-thumbnail.jpeg')!.length,
          variant: 'thumbnail',
        },
      ]);
    } finally {
      await orm.close();
    }

    const again = await runCli(['organize', 'messy', 'library', '--db', 'catalog.sqlite', '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout);
    expect(result.moved).toEqual([]);
    expect(result.left.map((entry: { path: string }) => entry.path).sort()).toEqual(Object.keys(left).sort());
  });

  it('--dry-run changes nothing, --copy keeps the sources, an identical file is already there, and without --db no catalog is made', async () => {
    const dir = freshDir('organize-copy');
    mkdirSync(join(dir, 'messy'));
    writeFileSync(join(dir, 'messy', '20250901100000_in_gate.jpg'), fakeJpeg('a'));
    writeFileSync(join(dir, 'messy', '2025-09-01T10:10:00-out_gate.jpeg'), fakeJpeg('b'));
    const before = listTree(dir);

    const dry = await runCli(['organize', 'messy', 'library', '--dry-run'], { cwd: dir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.trimEnd().split('\n').sort()).toEqual([
      'would move  messy/2025-09-01T10:10:00-out_gate.jpeg -> library/2025-09-01/out_gate/20250901101000_out_gate.jpg',
      'would move  messy/20250901100000_in_gate.jpg -> library/2025-09-01/in_gate/20250901100000_in_gate.jpg',
    ]);
    expect(summaryOf(dry.stderr)).toBe('Would move 2 files, 0 already there, left 0.');
    expect(listTree(dir)).toEqual(before);

    const copied = await runCli(['organize', 'messy', 'library', '--copy'], { cwd: dir });
    expect(copied.code, copied.stderr).toBe(0);
    expect(summaryOf(copied.stderr)).toBe('Copied 2 files, 0 already there, left 0.');
    // the sources stay, and no ./data/draydog.sqlite appears without --db
    expect(listTree(dir)).toEqual(
      [
        ...before,
        'library/',
        'library/2025-09-01/',
        'library/2025-09-01/in_gate/',
        'library/2025-09-01/in_gate/20250901100000_in_gate.jpg',
        'library/2025-09-01/out_gate/',
        'library/2025-09-01/out_gate/20250901101000_out_gate.jpg',
      ].sort(),
    );
    expect(readFileSync(join(dir, 'library/2025-09-01/in_gate/20250901100000_in_gate.jpg')).equals(fakeJpeg('a'))).toBe(true);

    const again = await runCli(['organize', 'messy', 'library'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      'already there  messy/20250901100000_in_gate.jpg = library/2025-09-01/in_gate/20250901100000_in_gate.jpg\n',
    );
    expect(summaryOf(again.stderr)).toBe('Moved 0 files, 2 already there, left 0.');
    expect(listTree(join(dir, 'messy'))).toEqual(['2025-09-01T10:10:00-out_gate.jpeg', '20250901100000_in_gate.jpg']);
  });
});

describe('draydog report', () => {
  it('gives frames, bytes, first and last, the largest gap and thumbnails-only per date and stream', async () => {
    const dir = freshDir('report');
    const row = (stream: string, capturedAt: string, fileSize: number, variant: 'full' | 'thumbnail' = 'full'): ImageRow => ({
      terminal: 'apm',
      stream,
      capturedAt,
      filePath: `images/${capturedAt}-${stream}.jpg`,
      fileSize,
      sha256: `${stream}/${capturedAt}`,
      sourceUrl: null,
      variant,
      downloadedAt: '2025-09-03T00:00:00.000Z',
    });
    const orm = await openCatalog({ dbPath: join(dir, 'catalog.sqlite') });
    await upsertImages(orm, [
      row('in_gate', `${DATE}T10:10:00`, 2000),
      row('in_gate', `${DATE}T10:00:00`, 1000),
      row('in_gate', `${DATE}T10:45:30`, 500, 'thumbnail'),
      row('out_gate', `${DATE}T12:00:00`, 700),
      row('in_gate', '2025-09-02T00:00:00', 100),
      row('in_gate', '2025-09-02T23:59:59', 200, 'thumbnail'),
    ]);
    await orm.close();
    const days = [
      {
        date: DATE,
        stream: 'in_gate',
        frames: 3,
        bytes: 3500,
        first: `${DATE}T10:00:00`,
        last: `${DATE}T10:45:30`,
        largestGapSeconds: 2130,
        thumbnailsOnly: 1,
      },
      {
        date: DATE,
        stream: 'out_gate',
        frames: 1,
        bytes: 700,
        first: `${DATE}T12:00:00`,
        last: `${DATE}T12:00:00`,
        largestGapSeconds: 0,
        thumbnailsOnly: 0,
      },
      {
        date: '2025-09-02',
        stream: 'in_gate',
        frames: 2,
        bytes: 300,
        first: '2025-09-02T00:00:00',
        last: '2025-09-02T23:59:59',
        largestGapSeconds: 86_399,
        thumbnailsOnly: 1,
      },
    ].map((day) => ({ ...day, expected: 144, staleRuns: [] }));

    const [table, json, oneDay] = await Promise.all([
      runCli(['report', '--db', 'catalog.sqlite'], { cwd: dir }),
      runCli(['report', '--db', 'catalog.sqlite', '--json'], { cwd: dir }),
      runCli(['report', '--db', 'catalog.sqlite', '--from', '2025-09-02', '--to', '2025-09-02', '--json'], { cwd: dir }),
    ]);

    expect(table.code, table.stderr).toBe(0);
    expect(tableRows(table.stdout)).toEqual([
      ['date', 'stream', 'frames', 'expected', '%', 'bytes', 'first', 'last', 'largest gap', 'thumbnails only'],
      [DATE, 'in_gate', '3', '144', '2 %', '3.4 KB', '10:00:00', '10:45:30', '35m30s', '1'],
      [DATE, 'out_gate', '1', '144', '0.6 %', '700 B', '12:00:00', '12:00:00', '0m00s', '0'],
      ['2025-09-02', 'in_gate', '2', '144', '1.3 %', '300 B', '00:00:00', '23:59:59', '1439m59s', '1'],
      ['total', '6', '432', '1.3 %', '4.4 KB', '2'],
    ]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(days);
    expect(oneDay.code, oneDay.stderr).toBe(0);
    // a requested date and stream without frames is a row of its own
    const nothing = { frames: 0, bytes: 0, first: null, last: null, largestGapSeconds: 0, thumbnailsOnly: 0, expected: 144, staleRuns: [] };
    expect(JSON.parse(oneDay.stdout)).toEqual([days[2], { date: '2025-09-02', stream: 'out_gate', ...nothing }]);
  });

  it('shows requested dates without frames, the expected frames and a total row', async () => {
    const dir = freshDir('report-empty-dates');
    const orm = await openCatalog({ dbPath: join(dir, 'catalog.sqlite') });
    await upsertImages(orm, [
      ...['in_gate', 'out_gate'].map(
        (stream): ImageRow => ({
          terminal: 'apm',
          stream,
          capturedAt: `${DATE}T10:00:00`,
          filePath: `images/${stream}.jpg`,
          fileSize: 1000,
          sha256: stream,
          sourceUrl: null,
          variant: 'full',
          downloadedAt: '2025-09-03T00:00:00.000Z',
        }),
      ),
    ]);
    await orm.close();

    const table = await runCli(['report', '--db', 'catalog.sqlite', '--from', DATE, '--to', '2025-09-02'], { cwd: dir });

    expect(table.code, table.stderr).toBe(0);
    expect(tableRows(table.stdout)).toEqual([
      ['date', 'stream', 'frames', 'expected', '%', 'bytes', 'first', 'last', 'largest gap', 'thumbnails only'],
      [DATE, 'in_gate', '1', '144', '0.6 %', '1000 B', '10:00:00', '10:00:00', '0m00s', '0'],
      [DATE, 'out_gate', '1', '144', '0.6 %', '1000 B', '10:00:00', '10:00:00', '0m00s', '0'],
      ['2025-09-02', 'in_gate', '0', '144', '0 %', '0 B', '-', '-', '-', '0'],
      ['2025-09-02', 'out_gate', '0', '144', '0 %', '0 B', '-', '-', '-', '0'],
      ['total', '2', '576', '0.3 %', '2.0 KB', '0'],
    ]);
  });

  it('--html refuses to replace a file that is not a draydog HTML report (the catalog itself, a page of the user) and replaces its own', async () => {
    const dir = freshDir('report-html');
    const orm = await openCatalog({ dbPath: join(dir, 'catalog.sqlite') });
    await orm.close();
    const page = '<!DOCTYPE html>\n<html><head><title>my notes</title></head></html>\n';
    writeFileSync(join(dir, 'page.html'), page);
    const catalog = readFileSync(join(dir, 'catalog.sqlite'));

    for (const target of ['catalog.sqlite', 'page.html']) {
      const refused = await runCli(['report', '--db', 'catalog.sqlite', '--html', target], { cwd: dir });
      expect(refused.code, refused.stderr).toBe(2);
      expectOneErrorLine(refused, `invalid --html "${target}": the file exists and is not a draydog HTML report`);
    }
    expect(readFileSync(join(dir, 'catalog.sqlite')).equals(catalog)).toBe(true);
    expect(readFileSync(join(dir, 'page.html'), 'utf8')).toBe(page);

    expect((await runCli(['report', '--db', 'catalog.sqlite', '--html', 'coverage.html'], { cwd: dir })).code).toBe(0);
    const again = await runCli(['report', '--db', 'catalog.sqlite', '--html', 'coverage.html'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'coverage.html'), 'utf8')).toContain('<title>draydog coverage');
  });
});

describe('draydog --help', () => {
  const commands = ['download', 'discover', 'organize', 'report', 'verify', 'simulate', 'watch'];
  /** The exit codes a `--help` lists, by code. */
  const exitCodes = (help: string) =>
    Object.fromEntries([...help.split('Exit codes:\n')[1].matchAll(/^ {2}(\d+) +(.*)$/gm)].map(([, code, text]) => [code, text]));

  // eight processes at once on a busy machine: minutes, not the usual seconds
  it("lists each command's own exit codes, describes every option, and exits 0", { timeout: 180_000 }, async () => {
    const dir = freshDir('help');

    const [top, ...runs] = await Promise.all(
      [[], ...commands.map((command) => [command])].map((command) =>
        runCli([...command, '--help'], { cwd: dir, spawned: true, timeoutMs: 150_000 }),
      ),
    );

    for (const [index, run] of [top, ...runs].entries()) {
      expect(run.code, `${commands[index - 1] ?? ''} --help: ${run.stderr}`).toBe(0);
      expect(run.stderr).toBe('');
      // an option line with nothing but its type and default between the name and the end
      expect(
        run.stdout.split('\n').filter((line) => /^\s+(-\w, )?--[\w-]+\s+\[/.test(line)),
        `${commands[index - 1] ?? 'draydog'} options without a description`,
      ).toEqual([]);
    }
    expect(top.stdout).toContain("each command's --help says what they mean for it");
    const codes = Object.fromEntries(commands.map((command, index) => [command, exitCodes(runs[index].stdout)]));
    expect(Object.keys(codes.download)).toEqual(['0', '1', '2', '9', '130']);
    expect(Object.keys(codes.watch)).toEqual(['0', '1', '2', '130']);
    for (const command of ['discover', 'organize', 'report', 'verify', 'simulate'])
      expect(Object.keys(codes[command]), command).toEqual(['0', '1', '2']);
    // no command explains another's codes
    for (const command of commands.filter((name) => name !== 'verify'))
      expect(Object.values(codes[command]).join(' '), command).not.toContain('verify');
    expect(codes.simulate['0']).toBe('stopped by Ctrl-C or SIGTERM');
    expect(codes.verify['1']).toMatch(/^differences are left/);
    expect(runs[0].stdout).toContain('--from');
    expect(runs[2].stdout).toContain('<source> <target>');
    expect(listTree(dir)).toEqual([]);
  });

  it('suggests the command meant, prints a completion script, and names Node and the code that runs in --version', {
    timeout: 180_000,
  }, async () => {
    const dir = freshDir('help-more');

    const [typo, completion, completing, version] = await Promise.all([
      runCli(['downlod', '--from', DATE], { cwd: dir }),
      runCli(['completion'], { cwd: dir, spawned: true, timeoutMs: 150_000 }),
      runCli(['--get-yargs-completions', 'draydog', 'ver'], { cwd: dir, spawned: true, timeoutMs: 150_000 }),
      runCli(['--version'], { cwd: dir, spawned: true, timeoutMs: 150_000 }),
    ]);

    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('draydog: Did you mean download?\n');
    expect(completion.code).toBe(0);
    expect(completion.stdout).toContain('draydog --get-yargs-completions');
    expect(completing.stdout.split('\n')).toContain('verify');
    // the tests run the sources: the bundle is older than them (see bin/entry.js) or the build test covers it
    expect(version.stdout).toMatch(
      new RegExp(`^\\d+\\.\\d+\\.\\d+ \\(Node ${process.version.replaceAll('.', '\\.')}, the (sources|bundle)\\)\\n$`),
    );
    expect(listTree(dir)).toEqual([]);
  });
});
