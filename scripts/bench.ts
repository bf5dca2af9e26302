// `npm run bench`: draydog against curl (and aria2c when installed) on a loopback CDN stand-in, memory
// over 3, 60 and 365 days, and the catalog sink alone, then the targets against what was
// measured. Prints tables on stdout; progress goes to stderr. No internet needed.
//
//   npm run bench                       everything (about ten minutes on a busy machine)
//   npm run bench -- --only throughput  or scaling, catalog, ui, s3, gate, fleet (comma-separated); ui: the throughput set
//                                       with and without --ui (no browser connected), alternating; s3: the throughput set
//                                       into a folder and into a bucket of a RADOS gateway started for it, alternating;
//                                       gate: the fleet gate's requests/s on a loopback Redis (scripts/bench/fleet-gate.ts);
//                                       fleet: 1, 2 and 4 workers; floor: the throughput set by draydog, curl and minimal
//                                       Node programs doing only the per-frame work (scripts/bench/floor-loop.ts),
//                                       alternating, then their peak RSS over 3 and 60 days (not in the default set)
//   npm run bench -- --rounds 5         alternating throughput rounds (default 3)
//   npm run bench -- --profile          also profile one draydog run (node --cpu-prof): top self times
//   npm run bench -- --dir /dev/shm     write the runs there instead of the system's temporary folder
//   npm run bench -- --cdn simulator    serve the runs from the camera simulator instead of the stand-in
//                                       that serves bodies from memory (scripts/bench/static-cdn.ts)
//
// Run it on a quiet machine, not within a minute of deleting thousands of files (see REGIMES).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lastValueFrom, count as countItems, from as fromArray } from 'rxjs';
import { Agent, fetch } from 'undici';
import { build } from 'esbuild';
import { openCatalog } from '../src/catalog/open-catalog.ts';
import { saveToCatalog } from '../src/sinks/save-to-catalog.ts';
import { postgresForTests, startPostgres } from '../test/support/services/postgres.ts';
import { s3ForTests, startS3 } from '../test/support/services/ceph.ts';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createObjectStoreClient } from '../src/storage/object-store.ts';
import { createCamera } from '../src/simulator/index.ts';
import type { DownloadedItem, FrameRef, PipelineItem } from '../src/items.ts';
import { selfTimeByOrigin, topSelfTimes } from './bench/cpu-profile.ts';
import { fleetGateRows } from './bench/fleet-gate.ts';
import { fleetBench } from './bench/fleet.ts';
import { cliEntry } from '../bin/entry.js';
import { frameFilePath, frameUrls } from '../src/frame/layout.ts';

const projectRoot = resolve(import.meta.dirname, '..');
const cliPath = join(projectRoot, 'bin', 'draydog.js');
const usagePreload = join(projectRoot, 'scripts', 'bench', 'resource-usage.js');
const staticCdnPath = join(projectRoot, 'scripts', 'bench', 'static-cdn.ts');

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string', default: 'throughput,scaling,catalog,ui,s3,gate,fleet' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    profile: { type: 'boolean', default: false },
    'catalog-rows': { type: 'string', default: '100000' },
    /** Where the runs write (default: the system's temporary folder). A tmpfs such as /dev/shm takes the disk out of the figures. */
    dir: { type: 'string' },
    /** `static` (default): bodies made once and served from memory; `simulator`: the project's camera simulator. */
    cdn: { type: 'string', default: 'static' },
  },
});
const parts = new Set(flags.only.split(','));
if (flags.cdn !== 'static' && flags.cdn !== 'simulator') throw new Error(`invalid --cdn "${flags.cdn}": static or simulator`);
const rounds = Number(flags.rounds);
const concurrency = Number(flags.concurrency);

const THROUGHPUT = { from: '2025-09-01', to: '2025-09-10' };
const SCALING = [
  { label: '3 days', from: '2025-09-01', to: '2025-09-03' },
  { label: '60 days', from: '2025-09-01', to: '2025-10-30' },
  { label: '365 days', from: '2025-09-01', to: '2026-08-31' },
];
const STREAMS = ['in_gate', 'out_gate'];
const SEED = 1;

const work = mkdtempSync(join(flags.dir ?? tmpdir(), 'draydog-bench-'));
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

// ---------------------------------------------------------------------------------------------- helpers

/** `YYYY-MM-DD` dates from `from` to `to`, both included (UTC). */
function dateRange(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let day = Date.parse(`${from}T00:00:00Z`); day <= Date.parse(`${to}T00:00:00Z`); day += 86_400_000) {
    dates.push(new Date(day).toISOString().slice(0, 10));
  }
  return dates;
}

/** The environment of a child: no DRAYDOG_* variable of the caller may change what is measured. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('DRAYDOG_')));
  return { ...env, CI: '1', ...extra };
}

interface Finished {
  readonly code: number | null;
  readonly wallMs: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', fail);
    child.once('close', (code) =>
      done({
        code,
        wallMs: performance.now() - started,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

interface CdnProcess {
  readonly url: string;
  /** CPU time the CDN stand-in has spent serving so far. */
  cpu(): Promise<CpuTime>;
  stop(): Promise<void>;
}

/**
 * The CDN in its own process, so it never shares an event loop with what it serves. By default the
 * stand-in that serves bodies made beforehand from memory (`scripts/bench/static-cdn.ts`), so the figures
 * show the downloader's cost; `--cdn simulator` uses `draydog simulate` instead.
 */
async function startCdnProcess(range: { from: string; to: string }, frameSize: 'full' | 'small', onDemand = false): Promise<CdnProcess> {
  const args =
    flags.cdn === 'simulator'
      ? [
          cliPath,
          'simulate',
          '--port',
          '0',
          '--timing',
          'grid',
          '--faults',
          'none',
          '--seed',
          String(SEED),
          '--frame-size',
          frameSize,
          '--quiet',
        ]
      : [
          staticCdnPath,
          '--from',
          range.from,
          '--to',
          range.to,
          '--streams',
          STREAMS.join(','),
          '--seed',
          String(SEED),
          '--frame-size',
          frameSize,
          ...(onDemand ? ['--on-demand'] : []),
        ];
  const child = spawn(process.execPath, args, { env: childEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((done, fail) => {
    let seen = '';
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`the CDN stand-in exited with ${code} before printing its URL`)));
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const newline = seen.indexOf('\n');
      if (newline >= 0) done(seen.slice(0, newline).trim());
    });
  });
  child.removeAllListeners('exit');
  return {
    url,
    cpu: async () => {
      if (flags.cdn === 'simulator') return { userMs: Number.NaN, systemMs: Number.NaN };
      // a connection of its own each time: one kept from before a long run (aria2c's take 30-60 s) may be closed by then
      return (await (await fetch(`${url}/__cpu`, { dispatcher: new Agent({ pipelining: 0 }) })).json()) as CpuTime;
    },
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

interface ExpectedFrame {
  readonly frame: FrameRef;
  readonly path: string;
  readonly bytes: number;
}

/** What the simulator serves for the range: one entry per frame that exists (full size, or the thumbnail when that is all there is). */
function expectedFrames(range: { from: string; to: string }, frameSize: 'full' | 'small'): ExpectedFrame[] {
  const camera = createCamera({ seed: SEED, timing: 'grid', faults: 'none', frameSize });
  const frames: ExpectedFrame[] = [];
  for (const date of dateRange(range.from, range.to)) {
    for (const stream of STREAMS) {
      for (const simFrame of camera.frames(date, stream)) {
        const variant = simFrame.thumbnailOnly ? 'thumbnail' : 'full';
        const frame: FrameRef = { terminal: simFrame.terminal, stream, capturedAt: simFrame.capturedAt, date };
        frames.push({
          frame,
          path: variant === 'full' ? simFrame.fullPath : simFrame.thumbnailPath,
          bytes: camera.frameBytes(stream, simFrame.capturedAt, variant)!.length,
        });
      }
    }
  }
  return frames;
}

function slotsOf(range: { from: string; to: string }): number {
  return dateRange(range.from, range.to).length * STREAMS.length * 144;
}

/** CPU time of a run, all threads (and for curl, all children of the shell that ran it). */
interface CpuTime {
  readonly userMs: number;
  readonly systemMs: number;
}

interface ToolRun {
  readonly wallMs: number;
  readonly cpu?: CpuTime;
  readonly maxRssBytes?: number;
  /** What serving the run cost the CDN stand-in. */
  readonly cdnCpu?: CpuTime;
}

interface DraydogRun extends ToolRun {
  readonly maxRssBytes: number;
  readonly downloaded: number;
  readonly bytes: number;
}

async function runDraydog(
  baseUrl: string,
  range: { from: string; to: string },
  dir: string,
  expected: { frames: number; bytes: number },
  nodeFlags: readonly string[] = [],
  downloadFlags: readonly string[] = [],
  { out = join(dir, 'images'), env = {}, cli = cliPath }: { out?: string; env?: Record<string, string>; cli?: string } = {},
): Promise<DraydogRun> {
  mkdirSync(dir, { recursive: true });
  const usageFile = join(dir, 'resource-usage.json');
  const args = [
    ...nodeFlags,
    '--import',
    usagePreload,
    cli,
    'download',
    '--from',
    range.from,
    '--to',
    range.to,
    '--streams',
    STREAMS.join(','),
    '--base-url',
    baseUrl,
    '--out',
    out,
    '--db',
    join(dir, 'catalog.sqlite'),
    '--report',
    join(dir, 'report.json'),
    '--concurrency',
    String(concurrency),
    '--json',
    ...downloadFlags,
  ];
  const result = await run(process.execPath, args, childEnv({ BENCH_USAGE_FILE: usageFile, ...env }));
  if (result.code !== 0) throw new Error(`draydog exited with ${result.code}:\n${result.stderr.slice(-2000)}`);
  const { stats } = JSON.parse(result.stdout) as { stats: { downloaded: number; failed: number; bytes: number } };
  if (stats.downloaded !== expected.frames || stats.failed !== 0 || stats.bytes !== expected.bytes) {
    throw new Error(
      `draydog got ${stats.downloaded} frames, ${stats.bytes} bytes, ${stats.failed} failed; expected ${expected.frames} frames, ${expected.bytes} bytes`,
    );
  }
  const { maxRssBytes, userMs, systemMs } = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRssBytes: number } & CpuTime;
  return { wallMs: result.wallMs, cpu: { userMs, systemMs }, maxRssBytes, downloaded: stats.downloaded, bytes: stats.bytes };
}

function filesUnder(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

/** bash's `times` prints the shell's CPU time, then its children's: `0m0.070s 0m0.310s`. */
function childrenCpuOf(stderr: string): CpuTime | undefined {
  const times = [...stderr.matchAll(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/gm)].at(-1);
  if (!times) return undefined;
  const ms = (minutes: string, secondsText: string) => (Number(minutes) * 60 + Number(secondsText)) * 1000;
  return { userMs: ms(times[1], times[2]), systemMs: ms(times[3], times[4]) };
}

/** GNU time (Debian's `time` package) gives a tool's peak RSS as well as its CPU time; bash's `times` only the CPU. */
const GNU_TIME = '/usr/bin/time';
const hasGnuTime = spawnSync(GNU_TIME, ['-f', '%M', 'true']).status === 0;
const USAGE_LINE = 'bench-usage';

/** Runs a tool measured as draydog's preload measures draydog: CPU time of all its threads and children, and its peak RSS when GNU time is there. */
async function runMeasured(command: string, args: readonly string[]): Promise<ToolRun & { code: number | null; stderr: string }> {
  if (hasGnuTime) {
    const result = await run(GNU_TIME, ['-f', `${USAGE_LINE} %U %S %M`, command, ...args], childEnv());
    const usage = [...result.stderr.matchAll(new RegExp(`^${USAGE_LINE} ([\\d.]+) ([\\d.]+) (\\d+)$`, 'gm'))].at(-1);
    const cpu = usage && { userMs: Number(usage[1]) * 1000, systemMs: Number(usage[2]) * 1000 };
    return { ...result, cpu, maxRssBytes: usage ? Number(usage[3]) * 1024 : undefined };
  }
  // through bash for its `times`, which reports the tool's CPU time
  const hasBash = spawnSync('bash', ['-c', 'true']).status === 0;
  const result = hasBash
    ? await run('bash', ['-c', `"$@"; code=$?; times >&2; exit $code`, 'bash', command, ...args], childEnv())
    : await run(command, args, childEnv());
  return { ...result, cpu: hasBash ? childrenCpuOf(result.stderr) : undefined };
}

async function runCurl(
  baseUrl: string,
  frames: readonly ExpectedFrame[],
  dir: string,
  expected: { frames: number; bytes: number },
): Promise<ToolRun> {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'curl.config');
  const images = join(dir, 'images');
  // the same URLs draydog asks for and the same file layout draydog writes
  const lines = frames.map(({ frame, path }) => `url = "${baseUrl}${path}"\noutput = "${frameFilePath(images, frame)}"\n`);
  writeFileSync(config, lines.join(''));
  const args = [
    '--parallel',
    '--parallel-max',
    String(concurrency),
    '--create-dirs',
    '--silent',
    '--show-error',
    '--fail',
    '--config',
    config,
  ];
  const result = await runMeasured('curl', args);
  if (result.code !== 0) throw new Error(`curl exited with ${result.code}:\n${result.stderr.slice(-2000)}`);
  assertWrote('curl', images, expected);
  return { wallMs: result.wallMs, cpu: result.cpu, maxRssBytes: result.maxRssBytes };
}

function assertWrote(tool: string, images: string, expected: { frames: number; bytes: number }): void {
  const got = filesUnder(images);
  if (got.files !== expected.frames || got.bytes !== expected.bytes) {
    throw new Error(`${tool} wrote ${got.files} files, ${got.bytes} bytes; expected ${expected.frames} files, ${expected.bytes} bytes`);
  }
}

/** aria2c over the same URLs and file layout: `-j` downloads at once, one connection each, no control files left. */
async function runAria2c(
  baseUrl: string,
  frames: readonly ExpectedFrame[],
  dir: string,
  expected: { frames: number; bytes: number },
): Promise<ToolRun> {
  mkdirSync(dir, { recursive: true });
  const input = join(dir, 'aria2c.input');
  const images = join(dir, 'images');
  const lines = frames.map(({ frame, path }) => `${baseUrl}${path}\n  out=${relative(images, frameFilePath(images, frame))}\n`);
  writeFileSync(input, lines.join(''));
  const args = [
    '--input-file',
    input,
    '--dir',
    images,
    '-j',
    String(concurrency),
    '--quiet',
    '--file-allocation=none',
    '--auto-file-renaming=false',
    '--allow-overwrite=false',
    '--max-tries=1',
  ];
  const result = await runMeasured('aria2c', args);
  if (result.code !== 0) throw new Error(`aria2c exited with ${result.code}:\n${result.stderr.slice(-2000)}`);
  assertWrote('aria2c', images, expected);
  return { wallMs: result.wallMs, cpu: result.cpu, maxRssBytes: result.maxRssBytes };
}

/** Removes a run's folder and lets the kernel write back what is dirty, so every run starts alike. */
function clean(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  spawnSync('sync');
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: readonly string[]) =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function curlVersion(): string | undefined {
  const result = spawnSync('curl', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.split(' ').slice(0, 2).join(' ') : undefined;
}

function aria2cVersion(): string | undefined {
  const result = spawnSync('aria2c', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.split('\n')[0].replace(/^aria2 version /, 'aria2c ') : undefined;
}

/** What the issue asks of draydog, and what this bench measured, printed together at the end. */
interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}
const targetChecks: TargetCheck[] = [];

// ------------------------------------------------------------------------------------------------ parts

/**
 * How the file system looks to each run. On ext4 without a journal, as here, creating a file right
 * after many were deleted costs far more: for about 30 s the inode allocator skips every recently
 * deleted inode, rescanning them for each new file. So the figures are given for both: all runs kept
 * until the end (first, before this bench deletes anything), and every run's files deleted before
 * the next run.
 */
const REGIMES = [
  { label: 'nothing deleted between runs', deleteBetweenRuns: false },
  { label: 'each run deleted before the next', deleteBetweenRuns: true },
] as const;

async function throughput(): Promise<void> {
  for (const regime of REGIMES) await throughputIn(regime);
}

async function throughputIn(regime: (typeof REGIMES)[number]): Promise<void> {
  const frames = expectedFrames(THROUGHPUT, 'full');
  const expected = { frames: frames.length, bytes: frames.reduce((sum, frame) => sum + frame.bytes, 0) };
  const hasCurl = curlVersion() !== undefined;
  const hasAria2c = aria2cVersion() !== undefined;
  const tools = ['draydog', ...(hasCurl ? ['curl'] : []), ...(hasAria2c ? ['aria2c'] : [])];
  const cdn = await startCdnProcess(THROUGHPUT, 'full');
  const runs = new Map<string, ToolRun[]>(tools.map((tool) => [tool, []]));
  try {
    for (let round = 1; round <= rounds; round += 1) {
      // rotate which tool goes first, so none always meets a warmer (or busier) machine
      const order = tools.map((_, index) => tools[(index + round - 1) % tools.length]);
      for (const tool of order) {
        const dir = join(work, `${regime.deleteBetweenRuns ? 'deleted' : 'kept'}-${tool}-${round}`);
        const cdnBefore = await cdn.cpu();
        const cdnCpuSince = async (): Promise<CpuTime> => {
          const now = await cdn.cpu();
          return { userMs: now.userMs - cdnBefore.userMs, systemMs: now.systemMs - cdnBefore.systemMs };
        };
        const result =
          tool === 'draydog'
            ? await runDraydog(cdn.url, THROUGHPUT, dir, expected)
            : tool === 'curl'
              ? await runCurl(cdn.url, frames, dir, expected)
              : await runAria2c(cdn.url, frames, dir, expected);
        runs.get(tool)!.push({ ...result, cdnCpu: await cdnCpuSince() });
        log(`round ${round} ${tool.padEnd(7)} ${seconds(result.wallMs)}`);
        if (regime.deleteBetweenRuns) clean(dir);
        else spawnSync('sync');
      }
    }
  } finally {
    await cdn.stop();
    for (const entry of readdirSync(work)) if (entry.startsWith('kept-')) rmSync(join(work, entry), { recursive: true, force: true });
    spawnSync('sync');
  }
  const measuredCpu = (toolRuns: readonly ToolRun[], which: 'cpu' | 'cdnCpu' = 'cpu') =>
    toolRuns.flatMap((run) => (run[which] && !Number.isNaN(run[which].userMs) ? [run[which]] : []));
  const cpuOf = (toolRuns: readonly ToolRun[], which: 'cpu' | 'cdnCpu' = 'cpu') => {
    const measured = measuredCpu(toolRuns, which);
    if (measured.length === 0) return '';
    return `${seconds(median(measured.map((cpu) => cpu.userMs)))} + ${seconds(median(measured.map((cpu) => cpu.systemMs)))}`;
  };
  /** Median of user + system per run, per frame: every tool fetches the same frames. */
  const cpuPerFrameMs = (toolRuns: readonly ToolRun[]) => {
    const measured = measuredCpu(toolRuns);
    return measured.length === 0 ? Number.NaN : median(measured.map((cpu) => cpu.userMs + cpu.systemMs)) / expected.frames;
  };
  const wallOf = (tool: string) => median(runs.get(tool)!.map((run) => run.wallMs));
  const rssOf = (toolRuns: readonly ToolRun[]) => {
    const measured = toolRuns.flatMap((run) => (run.maxRssBytes === undefined ? [] : [run.maxRssBytes]));
    return measured.length === 0 ? '' : megabytes(median(measured));
  };
  const labels: Record<string, string> = {
    draydog: `draydog --concurrency ${concurrency}`,
    curl: `curl --parallel-max ${concurrency}`,
    aria2c: `aria2c -j ${concurrency}`,
  };
  const rowOf = (tool: string) => {
    const toolRuns = runs.get(tool)!;
    const wall = wallOf(tool);
    const perFrame = cpuPerFrameMs(toolRuns);
    return [
      labels[tool],
      ...toolRuns.map((run) => seconds(run.wallMs)),
      seconds(wall),
      thousands(expected.frames / (wall / 1000)),
      (expected.bytes / 1e6 / (wall / 1000)).toFixed(1),
      cpuOf(toolRuns),
      Number.isNaN(perFrame) ? '' : `${perFrame.toFixed(2)} ms`,
      cpuOf(toolRuns, 'cdnCpu'),
      rssOf(toolRuns),
    ];
  };
  const header = [
    'tool',
    ...runs.get('draydog')!.map((_, index) => `round ${index + 1}`),
    'median',
    'images/s',
    'MB/s',
    'CPU user + system',
    'CPU/frame',
    'CDN CPU',
    'peak RSS',
  ];
  console.log(
    `\nThroughput: ${THROUGHPUT.from}..${THROUGHPUT.to}, ${STREAMS.length} streams, ${thousands(slotsOf(THROUGHPUT))} grid slots, ` +
      `${thousands(expected.frames)} frames, ${megabytes(expected.bytes)} (CDN: ${flags.cdn === 'simulator' ? 'the simulator' : 'bodies served from memory'}, own process; grid, full frames); ` +
      `${rounds} rotating rounds, fresh folders, ${regime.label}; wall time includes process start; CPU: medians, all threads` +
      (hasGnuTime ? '' : '; curl and aria2c without peak RSS (no /usr/bin/time)'),
  );
  console.log(table([header, ...tools.map(rowOf)]));
  if (!hasAria2c) console.log('aria2c not found (apt-get install -y aria2): not compared');
  if (!hasCurl) {
    console.log('curl not found: draydog only');
    return;
  }
  const wallRatio = wallOf('draydog') / wallOf('curl');
  const cpuRatio = cpuPerFrameMs(runs.get('draydog')!) / cpuPerFrameMs(runs.get('curl')!);
  console.log(
    `ratio draydog/curl: wall ${wallRatio.toFixed(2)} (median wall time), CPU per frame ${cpuRatio.toFixed(2)} (median user + system)`,
  );
  targetChecks.push(
    { target: `throughput, ${regime.label}: draydog/curl wall <= 1.2`, measured: wallRatio.toFixed(2), met: wallRatio <= 1.2 },
    { target: `throughput, ${regime.label}: draydog/curl CPU per frame <= 2`, measured: cpuRatio.toFixed(2), met: cpuRatio <= 2 },
  );
}

async function scaling(): Promise<void> {
  // bodies made as they are asked for: a year of them prepared beforehand would take gigabytes
  const cdn = await startCdnProcess(SCALING.at(-1)!, 'small', true);
  const rows: string[][] = [['range', 'slots', 'frames', 'wall', 'images/s', 'peak RSS']];
  const peaks: number[] = [];
  try {
    for (const range of SCALING) {
      const frames = expectedFrames(range, 'small');
      const expected = { frames: frames.length, bytes: frames.reduce((sum, frame) => sum + frame.bytes, 0) };
      const dir = join(work, `scaling-${range.label.replace(' ', '')}`);
      const result = await runDraydog(cdn.url, range, dir, expected);
      clean(dir);
      log(`scaling ${range.label} ${seconds(result.wallMs)}, peak RSS ${megabytes(result.maxRssBytes)}`);
      peaks.push(result.maxRssBytes);
      rows.push([
        `${range.label} (${range.from}..${range.to})`,
        thousands(slotsOf(range)),
        thousands(expected.frames),
        seconds(result.wallMs),
        thousands(expected.frames / (result.wallMs / 1000)),
        megabytes(result.maxRssBytes),
      ]);
    }
  } finally {
    await cdn.stop();
  }
  console.log(
    `\nMemory: draydog download --concurrency ${concurrency}, the same flags for every range, default V8 settings, small frames, ` +
      'both streams, bodies made on demand by the stand-in; peak RSS of the whole process, one run each',
  );
  console.log(table(rows));
  const [days3, days60, days365] = peaks;
  console.log(`peak RSS ratio 60 days / 3 days: ${(days60 / days3).toFixed(2)}, 365 days / 3 days: ${(days365 / days3).toFixed(2)}`);
  targetChecks.push(
    { target: `peak RSS for 3 days at concurrency ${concurrency} <= 120 MB`, measured: megabytes(days3), met: days3 <= 120e6 },
    { target: 'peak RSS 365 days / 3 days <= 1.1', measured: (days365 / days3).toFixed(2), met: days365 / days3 <= 1.1 },
  );
}

function catalogItems(total: number): DownloadedItem[] {
  const start = Date.parse('2020-01-01T00:00:00Z');
  return Array.from({ length: total }, (_, index) => {
    const stream = STREAMS[index % STREAMS.length];
    const capturedAt = new Date(start + Math.floor(index / STREAMS.length) * 600_000).toISOString().slice(0, 19);
    const frame: FrameRef = { terminal: 'apm', stream, capturedAt, date: capturedAt.slice(0, 10) };
    return {
      kind: 'downloaded',
      frame,
      url: frameUrls(frame).full,
      variant: 'full',
      bytes: 118_000 + (index % 1000),
      sha256: index.toString(16).padStart(64, '0'),
      filePath: frameFilePath('data/images', frame),
      attempts: 1,
    };
  });
}

/** The catalog sink alone into `db`: a fresh catalog, then the same rows again. */
async function catalogPasses(db: string, name: string, items: readonly DownloadedItem[]): Promise<string[][]> {
  const orm = await openCatalog({ dbPath: db });
  const rows: string[][] = [];
  try {
    for (const pass of ['insert into a fresh catalog', 'upsert the same rows again']) {
      const started = performance.now();
      const saved = await lastValueFrom(fromArray(items as PipelineItem[]).pipe(saveToCatalog(orm), countItems()));
      const ms = performance.now() - started;
      const rate = items.length / (ms / 1000);
      if (saved !== items.length) throw new Error(`the catalog sink passed on ${saved} of ${items.length} items`);
      log(`catalog on ${name}, ${pass}: ${seconds(ms)}`);
      rows.push([name, pass, thousands(items.length), seconds(ms), thousands(rate)]);
      if (pass.startsWith('upsert') && name === 'SQLite file') {
        targetChecks.push({ target: 'catalog sink: >= 60,000 upserts/s on SQLite', measured: `${thousands(rate)}/s`, met: rate >= 60_000 });
      }
    }
  } finally {
    await orm.close();
  }
  return rows;
}

async function catalog(): Promise<void> {
  const total = Number(flags['catalog-rows']);
  const items = catalogItems(total);
  const dir = join(work, 'catalog');
  mkdirSync(dir, { recursive: true });
  const rows: string[][] = [['catalog', 'pass', 'rows', 'time', 'rows/s']];
  try {
    rows.push(...(await catalogPasses(join(dir, 'catalog.sqlite'), 'SQLite file', items)));
  } finally {
    clean(dir);
  }
  // a throwaway PostgreSQL server on loopback, as the tests start it
  if (postgresForTests('scripts/bench.ts')) {
    const server = await startPostgres();
    try {
      rows.push(...(await catalogPasses(await server.createDatabase('bench'), 'PostgreSQL (loopback)', items)));
    } finally {
      await server.stop();
    }
  }
  console.log('\nCatalog: saveToCatalog alone (batches of 500), in this process');
  console.log(table(rows));
}

/**
 * The throughput set into a folder and into a bucket of a RADOS gateway (one monitor, one memstore OSD,
 * started once for this part), alternating, each run into a fresh folder or bucket; the catalog is a
 * SQLite file for both.
 */
async function objectStoreThroughput(): Promise<void> {
  if (!s3ForTests('scripts/bench.ts')) return;
  const frames = expectedFrames(THROUGHPUT, 'full');
  const expected = { frames: frames.length, bytes: frames.reduce((sum, frame) => sum + frame.bytes, 0) };
  const [cdn, server] = await Promise.all([startCdnProcess(THROUGHPUT, 'full'), startS3()]);
  const client = createObjectStoreClient({ endpoint: server.endpoint });
  client.config.credentials = async () => ({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey });
  const env = { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' };
  const runs: Record<'folder' | 'bucket', DraydogRun[]> = { folder: [], bucket: [] };
  try {
    for (let round = 1; round <= rounds; round += 1) {
      for (const into of round % 2 === 1 ? (['folder', 'bucket'] as const) : (['bucket', 'folder'] as const)) {
        const dir = join(work, `s3-${into}-${round}`);
        if (into === 'bucket') await client.send(new CreateBucketCommand({ Bucket: `bench-${round}` }));
        const result =
          into === 'bucket'
            ? await runDraydog(cdn.url, THROUGHPUT, dir, expected, [], ['--s3-endpoint', server.endpoint], {
                out: `s3://bench-${round}/archive`,
                env,
              })
            : await runDraydog(cdn.url, THROUGHPUT, dir, expected);
        runs[into].push(result);
        log(`round ${round} draydog into a ${into} ${seconds(result.wallMs)}, peak RSS ${megabytes(result.maxRssBytes)}`);
        clean(dir);
      }
    }
  } finally {
    client.destroy();
    await Promise.all([cdn.stop(), server.stop()]);
  }
  const row = (into: 'folder' | 'bucket') => {
    const measured = runs[into];
    const wall = median(measured.map((run) => run.wallMs));
    return [
      into === 'folder' ? 'a folder (--out DIR)' : 'a bucket (--out s3://…, RADOS gateway)',
      ...measured.map((run) => seconds(run.wallMs)),
      seconds(wall),
      thousands(expected.frames / (wall / 1000)),
      `${seconds(median(measured.map((run) => run.cpu!.userMs)))} + ${seconds(median(measured.map((run) => run.cpu!.systemMs)))}`,
      megabytes(median(measured.map((run) => run.maxRssBytes))),
    ];
  };
  console.log(
    `\nObject store: the throughput set (${thousands(expected.frames)} frames, ${megabytes(expected.bytes)}) into a folder and into a bucket ` +
      `of a single-node Ceph 16 RADOS gateway on loopback (memstore OSD; its CPU is not draydog's), --concurrency ${concurrency}, ` +
      `catalog a SQLite file; ${rounds} alternating rounds, each into a fresh folder or bucket`,
  );
  console.log(
    table([
      ['into', ...runs.folder.map((_, index) => `round ${index + 1}`), 'median', 'frames/s', 'draydog CPU user + system', 'peak RSS'],
      row('folder'),
      row('bucket'),
    ]),
  );
}

async function profile(): Promise<void> {
  const frames = expectedFrames(THROUGHPUT, 'full');
  const expected = { frames: frames.length, bytes: frames.reduce((sum, frame) => sum + frame.bytes, 0) };
  const cdn = await startCdnProcess(THROUGHPUT, 'full');
  const dir = join(work, 'profile');
  const profileDir = join(work, 'cpu-profile');
  try {
    const result = await runDraydog(cdn.url, THROUGHPUT, dir, expected, ['--cpu-prof', '--cpu-prof-dir', profileDir]);
    log(`profiled run ${seconds(result.wallMs)} (slower than unprofiled)`);
  } finally {
    await cdn.stop();
    clean(dir);
  }
  // CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile: thread 0 is the main thread, the others write files
  const files = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
  const threadOf = (name: string) => Number(name.split('.')[4]);
  for (const file of files.sort((a, b) => threadOf(a) - threadOf(b))) {
    const { totalMs, rows } = topSelfTimes(join(profileDir, file), threadOf(file) === 0 ? 20 : 6);
    const thread = threadOf(file) === 0 ? 'main thread' : `writer thread ${threadOf(file)}`;
    console.log(
      `\nProfile: one draydog run of the throughput set (node --cpu-prof), ${thread}, top self times of ${seconds(totalMs)} sampled`,
    );
    console.log(
      table([
        ['function', 'where', 'self', 'share'],
        ...rows.map((row) => [row.name, row.where, `${row.ms.toFixed(0)} ms`, `${(row.share * 100).toFixed(1)} %`]),
      ]),
    );
  }
}

async function fleetGate(): Promise<void> {
  const rows = await fleetGateRows(log);
  if (!rows) return;
  console.log(
    '\nFleet gate: createFleetGate without a rate on a loopback Redis (no HTTP), one gate per process, 3 s each, beside bare PINGs',
  );
  console.log(table(rows));
}

/** What bin/draydog.js sets at start (see there): the loops get the same, so the figures differ by the code only. */
const DRAYDOG_V8_FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=100'];

interface FloorLoop {
  readonly name: string;
  readonly client: 'undici' | 'axios';
  readonly writes: 'thread' | 'main';
  readonly nodeFlags: readonly string[];
}

/** The minimal programs of the floor: client and where the files are written. */
const FLOOR_LOOPS: readonly FloorLoop[] = [
  { name: 'node + undici, writer threads', client: 'undici', writes: 'thread', nodeFlags: DRAYDOG_V8_FLAGS },
  { name: 'node + undici, main thread', client: 'undici', writes: 'main', nodeFlags: DRAYDOG_V8_FLAGS },
  { name: 'node + axios (undiciAdapter), writer threads', client: 'axios', writes: 'thread', nodeFlags: DRAYDOG_V8_FLAGS },
  { name: 'node + axios (undiciAdapter), main thread', client: 'axios', writes: 'main', nodeFlags: DRAYDOG_V8_FLAGS },
];
/** In the memory table only: what draydog's V8 flags save the smallest loop. */
const DEFAULT_V8_LOOP: FloorLoop = { name: 'node + undici, main thread, default V8', client: 'undici', writes: 'main', nodeFlags: [] };

/**
 * `scripts/bench/floor-loop.ts` and draydog's writer thread bundled into `dir` with esbuild, as the
 * command line ships (dependencies inside, one file), so the loops start as draydog's bundle does.
 */
async function bundleFloorLoop(dir: string): Promise<string> {
  await build({
    absWorkingDir: projectRoot,
    entryPoints: { 'floor-loop': 'scripts/bench/floor-loop.ts', 'writer-thread': 'src/disk/writer-thread.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outdir: dir,
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);",
    },
  });
  return join(dir, 'floor-loop.js');
}

interface FloorLoopRun {
  readonly loopPath: string;
  readonly loop: FloorLoop;
  readonly baseUrl: string;
  readonly frames: readonly ExpectedFrame[];
  readonly dir: string;
}

/** One floor loop over `frames`, measured by GNU time as curl is; checks that every frame was written. */
async function runFloorLoop({ loopPath, loop, baseUrl, frames, dir }: FloorLoopRun): Promise<ToolRun> {
  const list = join(dir, 'frames.tsv');
  const images = join(dir, 'images');
  mkdirSync(images, { recursive: true });
  writeFileSync(list, frames.map(({ frame, path }) => `${baseUrl}${path}\t${frameFilePath(images, frame)}\n`).join(''));
  const args = [
    ...loop.nodeFlags,
    loopPath,
    '--list',
    list,
    '--client',
    loop.client,
    '--writes',
    loop.writes,
    '--concurrency',
    String(concurrency),
  ];
  const result = await runMeasured(process.execPath, args);
  if (result.code !== 0) throw new Error(`${loop.name} exited with ${result.code}:\n${result.stderr.slice(-2000)}`);
  assertWrote(loop.name, images, { frames: frames.length, bytes: frames.reduce((sum, frame) => sum + frame.bytes, 0) });
  return { wallMs: result.wallMs, cpu: result.cpu, maxRssBytes: result.maxRssBytes };
}

/**
 * The floor of the stack: the throughput set fetched by draydog, curl and the minimal Node programs of
 * `FLOOR_LOOPS` (GET, whole-JPEG check, sha256, temporary file renamed into place, nothing else), in
 * rotating rounds against one stand-in, every run into a fresh folder deleted before the next, all
 * measured alike (GNU time for the others, the preload for draydog: whole process, all threads). Then
 * peak RSS over 3 and 60 days of small frames, one run each, with a bare `node -e` beside them.
 */
async function floor(): Promise<void> {
  const loopPath = await bundleFloorLoop(join(work, 'floor-bundle'));
  const frames = expectedFrames(THROUGHPUT, 'full');
  const expected = { frames: frames.length, bytes: frames.reduce((sum, frame) => sum + frame.bytes, 0) };
  const tools = ['draydog', 'curl', ...FLOOR_LOOPS.map((loop) => loop.name)];
  const runs = new Map<string, ToolRun[]>(tools.map((tool) => [tool, []]));
  const loadAtStart = loadavg()[0];
  const cdn = await startCdnProcess(THROUGHPUT, 'full');
  try {
    for (let round = 1; round <= rounds; round += 1) {
      const order = tools.map((_, index) => tools[(index + round - 1) % tools.length]);
      for (const tool of order) {
        const dir = join(work, `floor-${runs.get(tool)!.length}-${tools.indexOf(tool)}`);
        const loop = FLOOR_LOOPS.find((candidate) => candidate.name === tool);
        const result =
          tool === 'draydog'
            ? await runDraydog(cdn.url, THROUGHPUT, dir, expected)
            : tool === 'curl'
              ? await runCurl(cdn.url, frames, dir, expected)
              : await runFloorLoop({ loopPath, loop: loop!, baseUrl: cdn.url, frames, dir });
        runs.get(tool)!.push(result);
        log(`floor round ${round} ${tool}: ${seconds(result.wallMs)}`);
        clean(dir);
      }
    }
  } finally {
    await cdn.stop();
  }
  const wallOf = (tool: string) => median(runs.get(tool)!.map((run) => run.wallMs));
  const cpuPerFrameOf = (tool: string) => median(runs.get(tool)!.map((run) => run.cpu!.userMs + run.cpu!.systemMs)) / expected.frames;
  const rows = tools.map((tool) => {
    const toolRuns = runs.get(tool)!;
    return [
      tool === 'draydog' ? `draydog --concurrency ${concurrency}` : tool === 'curl' ? `curl --parallel-max ${concurrency}` : tool,
      ...toolRuns.map((run) => seconds(run.wallMs)),
      seconds(wallOf(tool)),
      thousands(expected.frames / (wallOf(tool) / 1000)),
      `${seconds(median(toolRuns.map((run) => run.cpu!.userMs)))} + ${seconds(median(toolRuns.map((run) => run.cpu!.systemMs)))}`,
      `${cpuPerFrameOf(tool).toFixed(2)} ms`,
      megabytes(median(toolRuns.map((run) => run.maxRssBytes!))),
      (wallOf(tool) / wallOf('curl')).toFixed(2),
      (cpuPerFrameOf(tool) / cpuPerFrameOf('curl')).toFixed(2),
    ];
  });
  console.log(
    `\nFloor: the throughput set (${thousands(expected.frames)} frames, ${megabytes(expected.bytes)}) by draydog, curl and minimal Node programs ` +
      `(GET, whole-JPEG check, sha256, temporary file renamed into place; nothing else: scripts/bench/floor-loop.ts, bundled, ` +
      `with draydog's V8 flags), ` +
      `--concurrency ${concurrency}, one stand-in serving from memory; ${rounds} rotating rounds, fresh folders, each run deleted before the next; ` +
      `medians, whole process; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`,
  );
  console.log(
    table([
      [
        'program',
        ...runs.get('draydog')!.map((_, index) => `round ${index + 1}`),
        'median',
        'images/s',
        'CPU user + system',
        'CPU/frame',
        'peak RSS',
        'wall/curl',
        'CPU/curl',
      ],
      ...rows,
    ]),
  );
  await floorMemory(loopPath);
  if (flags.profile) await floorProfile();
}

/**
 * One run of the throughput set each by draydog and two floor loops under `node --cpu-prof`, bundled
 * with their packages left outside (in a folder under node_modules, so Node finds them), so that each
 * sample names the package it ran in; the main threads' self time by origin, side by side.
 */
async function floorProfile(): Promise<void> {
  const cacheDir = join(projectRoot, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const bundleDir = mkdtempSync(join(cacheDir, 'draydog-bench-profile-'));
  const frames = expectedFrames(THROUGHPUT, 'full');
  const expected = { frames: frames.length, bytes: frames.reduce((sum, frame) => sum + frame.bytes, 0) };
  const cdn = await startCdnProcess(THROUGHPUT, 'full');
  const columns: { name: string; byOrigin: Map<string, number> }[] = [];
  const mainThreadProfile = (profileDir: string) =>
    join(profileDir, readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile') && Number(name.split('.')[4]) === 0)!);
  try {
    const external = {
      absWorkingDir: projectRoot,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      packages: 'external',
    } as const;
    await build({
      ...external,
      stdin: {
        contents: "import { main } from './src/cli.ts'; process.exitCode = await main(process.argv.slice(2));",
        resolveDir: projectRoot,
        sourcefile: 'draydog-profiled.ts',
        loader: 'ts',
      },
      outfile: join(bundleDir, 'draydog.js'),
    });
    await build({
      ...external,
      entryPoints: { 'floor-loop': 'scripts/bench/floor-loop.ts', 'writer-thread': 'src/disk/writer-thread.ts' },
      outdir: bundleDir,
    });
    const profiling = (name: string) => ['--cpu-prof', '--cpu-prof-dir', join(work, `profile-${name}`)];
    await runDraydog(cdn.url, THROUGHPUT, join(work, 'profile-run'), expected, [...DRAYDOG_V8_FLAGS, ...profiling('draydog')], [], {
      cli: join(bundleDir, 'draydog.js'),
    });
    clean(join(work, 'profile-run'));
    columns.push({ name: 'draydog', byOrigin: selfTimeByOrigin(mainThreadProfile(join(work, 'profile-draydog')), bundleDir) });
    for (const loop of [FLOOR_LOOPS[0], FLOOR_LOOPS[2]]) {
      const name = loop.client;
      const profiled = { ...loop, nodeFlags: [...loop.nodeFlags, ...profiling(name)] };
      await runFloorLoop({
        loopPath: join(bundleDir, 'floor-loop.js'),
        loop: profiled,
        baseUrl: cdn.url,
        frames,
        dir: join(work, 'profile-run'),
      });
      clean(join(work, 'profile-run'));
      columns.push({ name: loop.name, byOrigin: selfTimeByOrigin(mainThreadProfile(join(work, `profile-${name}`)), bundleDir) });
    }
  } finally {
    await cdn.stop();
    rmSync(bundleDir, { recursive: true, force: true });
  }
  // origins under 10 ms in every run are summed into one row
  const minor = 'other packages and scripts (each under 10 ms)';
  for (const { byOrigin } of columns) byOrigin.set(minor, 0);
  const allOrigins = [...new Set(columns.flatMap(({ byOrigin }) => [...byOrigin.keys()]))];
  for (const origin of allOrigins) {
    if (origin === minor || columns.some(({ byOrigin }) => (byOrigin.get(origin) ?? 0) >= 10)) continue;
    for (const { byOrigin } of columns) {
      byOrigin.set(minor, byOrigin.get(minor)! + (byOrigin.get(origin) ?? 0));
      byOrigin.delete(origin);
    }
  }
  const origins = [...new Set(columns.flatMap(({ byOrigin }) => [...byOrigin.keys()]))].sort(
    (a, b) => (columns[0].byOrigin.get(b) ?? 0) - (columns[0].byOrigin.get(a) ?? 0),
  );
  const total = (byOrigin: Map<string, number>) => [...byOrigin.values()].reduce((sum, ms) => sum + ms, 0);
  const ms = (value: number | undefined) => `${(value ?? 0).toFixed(0)} ms`;
  console.log(
    '\nFloor, profile: main thread of one run each of the throughput set (node --cpu-prof; wall-clock samples, so idle and waits count), ' +
      'self time by where the code comes from; writer threads not shown',
  );
  console.log(
    table([
      ['origin', ...columns.map(({ name }) => name)],
      ...origins.map((origin) => [origin, ...columns.map(({ byOrigin }) => ms(byOrigin.get(origin)))]),
      ['total sampled', ...columns.map(({ byOrigin }) => ms(total(byOrigin)))],
    ]),
  );
}

/** Peak RSS of a bare Node, the floor loops and draydog over 3 and 60 days of small frames (bodies made on demand), one run each. */
async function floorMemory(loopPath: string): Promise<void> {
  const ranges = SCALING.slice(0, 2);
  const memoryLoops = [...FLOOR_LOOPS, DEFAULT_V8_LOOP];
  const bare = await runMeasured(process.execPath, ['-e', '']);
  const idleLoop = FLOOR_LOOPS[2];
  const loaded = await runFloorLoop({ loopPath, loop: idleLoop, baseUrl: 'http://127.0.0.1:9', frames: [], dir: join(work, 'floor-idle') });
  const cdn = await startCdnProcess(ranges.at(-1)!, 'small', true);
  const peaks = new Map<string, number[]>();
  const loadAtStart = loadavg()[0];
  try {
    for (const range of ranges) {
      const frames = expectedFrames(range, 'small');
      const expected = { frames: frames.length, bytes: frames.reduce((sum, frame) => sum + frame.bytes, 0) };
      for (const tool of ['draydog', ...memoryLoops.map((loop) => loop.name)]) {
        const dir = join(work, `floor-memory-${peaks.size}-${peaks.get(tool)?.length ?? 0}`);
        const loop = memoryLoops.find((candidate) => candidate.name === tool);
        const result =
          tool === 'draydog'
            ? await runDraydog(cdn.url, range, dir, expected)
            : await runFloorLoop({ loopPath, loop: loop!, baseUrl: cdn.url, frames, dir });
        clean(dir);
        log(`floor memory ${range.label} ${tool}: ${seconds(result.wallMs)}, peak RSS ${megabytes(result.maxRssBytes!)}`);
        peaks.set(tool, [...(peaks.get(tool) ?? []), result.maxRssBytes!]);
      }
    }
  } finally {
    await cdn.stop();
  }
  console.log(
    `\nFloor, memory: peak RSS of the whole process, small frames, both streams, --concurrency ${concurrency}, bodies made on demand by the stand-in, ` +
      `one run each; the loops with the V8 flags bin/draydog.js sets (${DRAYDOG_V8_FLAGS.join(' ')}) unless marked; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`,
  );
  console.log(
    table([
      ['program', ...ranges.map((range) => range.label), `${ranges[1].label} / ${ranges[0].label}`],
      ['node -e "" (bare Node)', megabytes(bare.maxRssBytes!), '', ''],
      [`${idleLoop.name}, no frames (loaded, no thread)`, megabytes(loaded.maxRssBytes!), '', ''],
      ...[...peaks].map(([tool, [short, long]]) => [tool, megabytes(short), megabytes(long), (long / short).toFixed(2)]),
    ]),
  );
}

// ------------------------------------------------------------------------------------------------- main

/** What the dashboard costs a run nobody looks at: the throughput set with and without `--ui`, alternating, each run's files deleted before the next. */
async function uiCost(): Promise<void> {
  const frames = expectedFrames(THROUGHPUT, 'full');
  const expected = { frames: frames.length, bytes: frames.reduce((sum, frame) => sum + frame.bytes, 0) };
  const cdn = await startCdnProcess(THROUGHPUT, 'full');
  const runs: Record<'without' | 'with', DraydogRun[]> = { without: [], with: [] };
  try {
    for (let round = 1; round <= rounds; round += 1) {
      for (const variant of round % 2 === 1 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
        const dir = join(work, `ui-${variant}-${round}`);
        const result = await runDraydog(cdn.url, THROUGHPUT, dir, expected, [], variant === 'with' ? ['--ui'] : []);
        runs[variant].push(result);
        log(`round ${round} draydog ${variant} --ui ${seconds(result.wallMs)}`);
        clean(dir);
      }
    }
  } finally {
    await cdn.stop();
  }
  const row = (variant: 'without' | 'with') => {
    const measured = runs[variant];
    const cpu = `${seconds(median(measured.map((run) => run.cpu!.userMs)))} + ${seconds(median(measured.map((run) => run.cpu!.systemMs)))}`;
    return [
      `draydog ${variant} --ui`,
      ...measured.map((run) => seconds(run.wallMs)),
      seconds(median(measured.map((run) => run.wallMs))),
      cpu,
      megabytes(median(measured.map((run) => run.maxRssBytes))),
    ];
  };
  console.log(
    `\nDashboard: the throughput set (${thousands(expected.frames)} frames) with and without --ui, no browser connected; ${rounds} alternating rounds, each run deleted before the next`,
  );
  console.log(
    table([
      ['run', ...runs.without.map((_, index) => `round ${index + 1}`), 'median', 'CPU user + system', 'peak RSS'],
      row('without'),
      row('with'),
    ]),
  );
  console.log(
    `ratio with/without --ui (median wall time): ${(median(runs.with.map((run) => run.wallMs)) / median(runs.without.map((run) => run.wallMs))).toFixed(2)}`,
  );
}

try {
  const cpu = cpus();
  console.log(
    `Machine: ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, ` +
      `Node ${process.version}, ${curlVersion() ?? 'no curl'}, ${aria2cVersion() ?? 'no aria2c'}; load average ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}; scratch: ${work}`,
  );
  // bin/draydog.js falls back to the sources when they changed after the build: slower to start
  if (!cliEntry().built)
    console.log(
      'draydog runs from its TypeScript sources (dist/ is missing or older than src/): run `npm run build` to measure what ships',
    );
  if (parts.has('throughput')) await throughput();
  if (parts.has('scaling')) await scaling();
  if (parts.has('catalog')) await catalog();
  if (parts.has('ui')) await uiCost();
  if (parts.has('s3')) await objectStoreThroughput();
  if (parts.has('gate')) await fleetGate();
  if (parts.has('floor')) await floor();
  if (parts.has('fleet')) await fleetBench({ cliPath, usagePreload, dir: work, env: childEnv(), log });
  if (flags.profile) await profile();
  if (targetChecks.length > 0) {
    console.log(
      `\nTargets (issue 19), load average at the end ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}`,
    );
    console.log(
      table([['target', 'measured', 'met'], ...targetChecks.map(({ target, measured, met }) => [target, measured, met ? 'yes' : 'no'])]),
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
