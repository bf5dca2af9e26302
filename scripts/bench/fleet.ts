// The fleet part of `npm run bench` (`--only fleet`): 1, 2 and 4 `draydog worker` processes on one
// Redis split the same range against the camera simulator with WAN-like latency; frames/s of the whole
// fleet and each worker's peak RSS. The workers share one SQLite catalog and one folder, as on one machine.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatTable } from '../../src/report/format.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { redisForTests, startRedis, type RedisServer } from '../../test/support/services/redis.ts';

export interface FleetBenchOptions {
  /** bin/draydog.js */
  readonly cliPath: string;
  /** The preload that writes a process's peak RSS to $BENCH_USAGE_FILE (scripts/bench/resource-usage.js). */
  readonly usagePreload: string;
  /** A scratch folder of the bench's own. */
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
}

const RANGE = { from: '2025-09-01', to: '2025-09-04' };
const LATENCY_MS = 100;
const FLEET_SIZES = [1, 2, 4];
/** Frames each worker fetches at once. */
const WORKER_CONCURRENCY = 8;

/** Runs `node args` to its end; rejects unless it exits 0. */
function runNode(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${args.slice(3, 5).join(' ')} exited with ${code}:\n${stderr}`)),
    );
  });
}

async function fleetRun(workers: number, redis: RedisServer, simUrl: string, options: FleetBenchOptions) {
  const dir = join(options.dir, `fleet-${workers}`);
  mkdirSync(dir, { recursive: true });
  const fleet = `bench${workers}`;
  const queue = ['--queue', redis.url, '--fleet', fleet];
  await runNode([options.cliPath, 'enqueue', '--from', RANGE.from, '--to', RANGE.to, ...queue], options.env);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, (_, index) =>
      runNode(
        [
          '--import',
          options.usagePreload,
          options.cliPath,
          'worker',
          ...queue,
          '--base-url',
          simUrl,
          '--out',
          join(dir, 'images'),
          '--db',
          join(dir, 'catalog.sqlite'),
          '--concurrency',
          String(WORKER_CONCURRENCY),
          '--until-empty',
        ],
        { ...options.env, BENCH_USAGE_FILE: join(dir, `usage-${index}.json`) },
      ),
    ),
  );
  const wallMs = performance.now() - started;
  const frames = Number(await redis.cli('hget', `draydog:${fleet}:fleet:totals`, 'frames'));
  const peakRss = Array.from(
    { length: workers },
    (_, index) => (JSON.parse(readFileSync(join(dir, `usage-${index}.json`), 'utf8')) as { maxRssBytes: number }).maxRssBytes,
  );
  rmSync(dir, { recursive: true, force: true });
  return { workers, frames, wallMs, peakRss };
}

/** Prints the fleet table on stdout; says on stderr and skips when redis-server is not installed. */
export async function fleetBench(options: FleetBenchOptions): Promise<void> {
  if (!redisForTests('scripts/bench/fleet.ts')) return;
  const [redis, sim] = await Promise.all([
    startRedis(),
    startSimulator({ timing: 'grid', frameSize: 'full', seed: 1, faults: 'none', latencyMs: LATENCY_MS }),
  ]);
  try {
    const rows: string[][] = [];
    for (const workers of FLEET_SIZES) {
      const run = await fleetRun(workers, redis, sim.url, options);
      options.log(`fleet of ${workers}: ${run.frames} frames in ${(run.wallMs / 1000).toFixed(1)} s`);
      rows.push([
        String(workers),
        String(run.frames),
        `${(run.wallMs / 1000).toFixed(1)} s`,
        (run.frames / (run.wallMs / 1000)).toFixed(1),
        run.peakRss.map((bytes) => `${(bytes / 1e6).toFixed(0)} MB`).join(', '),
      ]);
    }
    console.log(
      `\nFleet: ${RANGE.from}..${RANGE.to} x 2 streams (8 partitions) from the simulator with ${LATENCY_MS} ms latency, full-size frames; ` +
        `each worker --concurrency ${WORKER_CONCURRENCY}, one SQLite catalog and one folder; wall time from the workers' start (Node start-up included) to the last one's exit`,
    );
    console.log(formatTable([['workers', 'frames', 'wall time', 'frames/s', 'peak RSS per worker'], ...rows]));
  } finally {
    await Promise.all([redis.stop(), sim.close()]);
  }
}
