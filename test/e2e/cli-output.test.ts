// What the command line says and where: stderr off a terminal, rclone's -q/-v/--log-level/--log-file,
// --stats, --progress=json, and the report of each run.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createProgress } from '../../src/cli/progress.ts';
import { StatusLine } from '../../src/cli/status-line.ts';
import { formatSummary } from '../../src/cli/summary.ts';
import { statsAt, emptyCounts, type DownloadTally } from '../../src/sinks/collect-stats.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { listTree, runCli } from '../support/cli.ts';
import { fakeJpeg } from '../support/jpeg.ts';

const DATE = '2025-09-01';

let sim: Simulator;
let stormSim: Simulator;
let slowSim: Simulator;
let root: string;
const freshDir = (name: string) => mkdtempSync(join(root, `${name}-`));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'draydog-cli-output-'));
  [sim, stormSim, slowSim] = await Promise.all([
    startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', missing: 0.2, seed: 8 }),
    startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', missing: 0, seed: 8 }),
    startSimulator({ timing: 'grid', frameSize: 'small', faults: 'none', missing: 0, seed: 8, latencyMs: 150 }),
  ]);
  stormSim.storm({ status: 503, retryAfterSeconds: 0, untilMs: Date.now() + 10 * 60_000 });
});

afterAll(async () => {
  await Promise.all([sim?.close(), stormSim?.close(), slowSim?.close()]);
  if (root) rmSync(root, { recursive: true, force: true });
});

const download = (url: string, maxPerDate: number, ...more: string[]) => [
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
  'c.sqlite',
  ...more,
];
const failing = (...more: string[]) => download(stormSim.url, 3, '--retries', '1', '--retry-delay', '1', ...more);
const lines = (text: string) => text.split('\n').filter((line) => line !== '');
const jsonLines = (text: string) => lines(text).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('off a terminal', () => {
  it('every line on stderr is one JSON object, the summary too', async () => {
    const run = await runCli(failing(), { cwd: freshDir('json-stderr') });

    expect(run.code, run.stderr).toBe(1);
    const logged = jsonLines(run.stderr);
    expect(logged.filter((line) => line.msg === 'frame failed')).toHaveLength(3);
    const summary = logged.filter((line) => line.summary);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({
      level: 30,
      stats: { requested: 3, failed: 3, retries: 3 },
      report: expect.stringMatching(/^images\/reports\/download-.*\.json$/),
    });
    expect(summary[0].msg).toMatch(
      /^Done: 3 frames: 0 downloaded, 0 already there, 0 not on the CDN, 3 failed; .*, 3 retries, success rate 0\.00 %; Report: images\/reports\//,
    );
  });
});

describe('rclone conventions', () => {
  it('-q logs errors only: no warnings, no summary', async () => {
    const run = await runCli(failing('-q'), { cwd: freshDir('quiet') });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
  });

  it('-v logs the retries at debug level, -vv every frame at trace level, --log-level warn only the warnings', async () => {
    const [verbose, traced, warnings] = await Promise.all([
      runCli(failing('-v'), { cwd: freshDir('verbose') }),
      runCli(failing('-vv'), { cwd: freshDir('very-verbose') }),
      runCli(failing('--log-level', 'warn'), { cwd: freshDir('log-level') }),
    ]);

    expect(jsonLines(verbose.stderr).filter((line) => line.level === 20 && line.msg === 'retrying')).toHaveLength(3);
    expect(jsonLines(verbose.stderr).filter((line) => line.level === 10)).toEqual([]);
    const frames = jsonLines(traced.stderr).filter((line) => line.level === 10);
    expect(frames.map((line) => [line.msg, line.stream])).toEqual([
      ['frame failed', 'in_gate'],
      ['frame failed', 'in_gate'],
      ['frame failed', 'in_gate'],
    ]);
    expect(jsonLines(warnings.stderr).map((line) => line.level)).toEqual([40, 40, 40]);
  });

  it('--log-file appends the log lines to a file, after what it held', async () => {
    const dir = freshDir('log-file');
    writeFileSync(join(dir, 'draydog.log'), 'an earlier line\n');

    const run = await runCli(failing('--log-file', 'draydog.log'), { cwd: dir });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const [earlier, ...logged] = lines(readFileSync(join(dir, 'draydog.log'), 'utf8'));
    expect(earlier).toBe('an earlier line');
    expect(logged.map((line) => JSON.parse(line).msg)).toEqual(
      expect.arrayContaining(['frame failed', expect.stringMatching(/^Done: 3 frames/)]),
    );
  });

  it('refuses a --log-file it cannot write, naming it, and a run refused for bad input leaves no log file', async () => {
    const dir = freshDir('bad-log-file');
    writeFileSync(join(dir, 'plain-file'), 'a regular file\n');

    const [underFile, badDate] = await Promise.all([
      runCli(download(sim.url, 2, '--log-file', 'plain-file/draydog.log'), { cwd: dir }),
      runCli(['download', '--from', '2025-13-01', '--base-url', sim.url, '--log-file', 'draydog.log'], { cwd: dir }),
    ]);

    expect([underFile.code, badDate.code]).toEqual([2, 2]);
    expect(underFile.stderr).toBe('draydog: invalid --log-file "plain-file/draydog.log": plain-file is not a folder\n');
    expect(badDate.stderr).toContain('2025-13-01');
    expect(listTree(dir)).toEqual(['plain-file']);
  });

  it('--stats logs a one-line progress every interval while the run lasts', async () => {
    // 8 frames one at a time, each answered after 150 ms: the run lasts over a second
    const run = await runCli(download(slowSim.url, 8, '--concurrency', '1', '--stats', '250ms'), { cwd: freshDir('stats') });

    expect(run.code, run.stderr).toBe(0);
    const progress = jsonLines(run.stderr).filter((line) => line.progress);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0].msg).toMatch(
      /^progress \d+\/8 frames \| ETA .* \| \d+ downloaded, 0 already there, 0 not on the CDN, 0 failed \| .* frames\/s, .*\/s, .* \| \d+ retr(y|ies)$/,
    );
    expect(progress[0].progress).toMatchObject({ total: 8, framesPerSecond: expect.any(Number), bytesPerSecond: expect.any(Number) });
  });

  it('--progress=json prints one NDJSON event per frame outcome and the stats on stdout; --no-progress and --stats 0 log none', async () => {
    const dir = freshDir('progress-json');
    const [json, none] = await Promise.all([
      runCli(download(sim.url, 20, '--progress=json'), { cwd: dir }),
      runCli(download(slowSim.url, 8, '--concurrency', '1', '--no-progress', '--stats', '0'), { cwd: freshDir('no-progress') }),
    ]);

    expect(json.code, json.stderr).toBe(0);
    const events = jsonLines(json.stdout);
    const frames = events.filter((event) => event.type === 'frame');
    expect(frames).toHaveLength(20);
    const report = JSON.parse(
      readFileSync(join(dir, readdirSync(join(dir, 'images', 'reports')).map((name) => join('images', 'reports', name))[0]), 'utf8'),
    );
    expect(frames.filter((event) => event.outcome === 'downloaded')).toHaveLength(report.stats.downloaded);
    expect(frames.filter((event) => event.outcome === 'notFound')).toHaveLength(report.stats.notFound);
    expect(frames.find((event) => event.outcome === 'downloaded')).toMatchObject({
      stream: 'in_gate',
      capturedAt: expect.stringMatching(/^2025-09-01T/),
      bytes: expect.any(Number),
      path: expect.any(String),
    });
    expect(events.at(-1)).toMatchObject({ type: 'stats', final: true, total: 20, requested: 20, downloaded: report.stats.downloaded });

    expect(none.code, none.stderr).toBe(0);
    expect(jsonLines(none.stderr).filter((line) => line.progress)).toEqual([]);
  });

  it('refuses --progress=json with --json, and a --progress that is not a mode', async () => {
    const dir = freshDir('progress-bad');
    const [both, unknown] = await Promise.all([
      runCli(download(sim.url, 2, '--progress=json', '--json'), { cwd: dir }),
      runCli(download(sim.url, 2, '--progress', 'fancy'), { cwd: dir }),
    ]);

    expect([both.code, unknown.code]).toEqual([2, 2]);
    expect(both.stderr).toBe('draydog: invalid --progress=json with --json: stdout carries one of them\n');
    expect(unknown.stderr).toBe('draydog: invalid --progress "fancy": expected bar, json or none\n');
    expect(listTree(dir)).toEqual([]);
  });

  it('logs an error during a run as one JSON line, with its stack with -v', async () => {
    const dir = freshDir('stack');
    writeFileSync(join(dir, 'broken.sqlite'), Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(2000, 7)]));

    const [plain, verbose] = await Promise.all([
      runCli(['report', '--db', 'broken.sqlite'], { cwd: dir }),
      runCli(['report', '--db', 'broken.sqlite', '-v'], { cwd: dir }),
    ]);

    expect([plain.code, verbose.code]).toEqual([1, 1]);
    expect(jsonLines(plain.stderr)).toEqual([expect.objectContaining({ level: 50, msg: 'draydog: file is not a database' })]);
    expect(jsonLines(plain.stderr)[0].stack).toBeUndefined();
    expect(jsonLines(verbose.stderr)).toEqual([
      expect.objectContaining({ level: 50, msg: 'draydog: file is not a database', stack: expect.stringMatching(/\n\s+at /) }),
    ]);
  });
});

describe('the report of a run', () => {
  it('counts the retries', async () => {
    const run = await runCli(failing('--json'), { cwd: freshDir('retries') });

    expect(JSON.parse(run.stdout).stats).toMatchObject({ failed: 3, retries: 3 });
  });

  it('is not written again by a rerun that found everything in place, unless --report asks for it', async () => {
    const dir = freshDir('rerun');
    const first = await runCli(download(sim.url, 6), { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const reports = readdirSync(join(dir, 'images', 'reports'));
    expect(reports).toHaveLength(1);

    const again = await runCli(download(sim.url, 6, '--json'), { cwd: dir });
    const asked = await runCli(download(sim.url, 6, '--report', 'asked.json'), { cwd: dir });

    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).stats).toMatchObject({ downloaded: 0, failed: 0 });
    expect(readdirSync(join(dir, 'images', 'reports'))).toEqual(reports);
    expect(jsonLines(again.stderr).find((line) => line.summary)).toMatchObject({
      report: null,
      msg: expect.stringContaining('Report: none written, nothing changed'),
    });
    expect(asked.code).toBe(0);
    expect(existsSync(join(dir, 'asked.json'))).toBe(true);
  });

  it('says "1 frame" and "Moved 1 file"', async () => {
    const dir = freshDir('plural');
    mkdirSync(join(dir, 'messy'));
    writeFileSync(join(dir, 'messy', '20250901100000_in_gate.jpg'), fakeJpeg('one'));

    const [one, moved] = await Promise.all([
      runCli(download(stormSim.url, 1, '--retries', '0'), { cwd: dir }),
      runCli(['organize', 'messy', 'library', '--db', 'c2.sqlite'], { cwd: dir }),
    ]);

    expect(jsonLines(one.stderr).find((line) => line.summary)?.msg).toMatch(
      /^Done: 1 frame: 0 downloaded, 0 already there, 0 not on the CDN, 1 failed; .*, 0 retries/,
    );
    expect(moved.stderr).toContain('Moved 1 file, 0 already there, left 0.');
  });
});

describe('the progress bar', () => {
  class Terminal extends Writable {
    readonly isTTY = true;
    readonly columns = 400;
    text = '';
    override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
      this.text += chunk.toString('utf8');
      done();
    }
  }
  const tally = (counts: Partial<ReturnType<typeof emptyCounts>>, durationMs: number): DownloadTally => ({
    stats: statsAt({ ...emptyCounts(), ...counts }, 0, durationMs),
    perDateStream: {},
    failures: [],
  });

  it("shows downloaded, already there, missing and failed, no ETA before the first frame, and the summary's rate", async () => {
    const terminal = new Terminal();
    const io = { stdout: new Terminal(), stderr: terminal, env: {} };
    const progress = createProgress(io, pino({ level: 'silent' }), 40, { statusLine: new StatusLine(terminal) });
    const atStart = terminal.text;
    // the bar redraws at most every 100 ms
    await new Promise((resolve) => setTimeout(resolve, 150));
    const counts = { requested: 10, downloaded: 4, alreadyExisted: 3, notFound: 2, failed: 1, bytes: 4 * 1024 * 1024 };
    progress.update(tally(counts, 2000));
    progress.stop();

    expect(atStart).toContain('0/40 frames | ETA - | 0 downloaded, 0 already there, 0 not on the CDN, 0 failed');
    expect(atStart).not.toMatch(/ETA 0/);
    const drawn = terminal.text.slice(atStart.length);
    expect(drawn).toContain(
      '10/40 frames | ETA 6.0 s | 4 downloaded, 3 already there, 2 not on the CDN, 1 failed | 2.0 frames/s, 2.0 MB/s, 4.0 MB | 0 retries',
    );
    const summary = formatSummary(
      { ...tally(counts, 2000), config: {}, interrupted: false, emptyDateStreams: [], staleFrames: {} },
      undefined,
    );
    expect(summary).toContain('(2.0 frames/s, 2.0 MB/s)');
  });
});
