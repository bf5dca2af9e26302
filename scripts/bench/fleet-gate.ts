// The fleet gate's cost per request on a loopback Redis (`npm run bench -- --only gate`): requests/s through
// createFleetGate without a rate, from 1 process and from 4, each in a process of its own (scripts/bench/fleet-gate-load.ts),
// beside bare PINGs from the same processes: what a Redis round trip alone allows on this machine at this moment.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { redisForTests, startRedis } from '../../test/support/services/redis.ts';

const LOAD_SCRIPT = join(import.meta.dirname, 'fleet-gate-load.ts');
const DURATION_MS = 3000;
const SETUPS = [
  { processes: 1, concurrency: 1 },
  { processes: 1, concurrency: 16 },
  { processes: 4, concurrency: 16 },
];

/** Starts `processes` load processes, lets them go together once all are connected; the requests each passed. */
async function runLoad(redisUrl: string, processes: number, concurrency: number, through: 'gate' | 'ping'): Promise<number[]> {
  const job = JSON.stringify({ redisUrl, name: 'bench', concurrency, durationMs: DURATION_MS, through });
  const runs = Array.from({ length: processes }, () => {
    const child = spawn(process.execPath, [LOAD_SCRIPT, job], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    const { promise: ready, resolve } = Promise.withResolvers<void>();
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.startsWith('ready\n')) resolve();
    });
    const closed = new Promise<number | null>((done) => child.once('close', done));
    return { child, ready: Promise.race([ready, closed]), closed, stdout: () => stdout };
  });
  await Promise.all(runs.map(({ ready }) => ready));
  for (const { child } of runs) child.stdin.end('go\n');
  return Promise.all(
    runs.map(async ({ closed, stdout }) => {
      const code = await closed;
      if (code !== 0) throw new Error(`a fleet gate load process exited with ${code}`);
      return (JSON.parse(stdout().trim().split('\n').at(-1) ?? '') as { requests: number }).requests;
    }),
  );
}

/** Table rows (header first), or undefined when there is no redis-server to measure against. */
export async function fleetGateRows(log: (line: string) => void): Promise<string[][] | undefined> {
  if (!redisForTests('scripts/bench/fleet-gate.ts')) return undefined;
  const redis = await startRedis();
  const rows = [
    ['through', 'processes', 'in flight each', 'requests/s (all)', 'requests/s per process', 'ms per request (each in flight)'],
  ];
  try {
    for (const { processes, concurrency } of SETUPS) {
      for (const through of ['gate', 'ping'] as const) {
        const counts = await runLoad(redis.url, processes, concurrency, through);
        const total = counts.reduce((sum, count) => sum + count, 0);
        const perSecond = total / (DURATION_MS / 1000);
        log(`fleet gate: ${through}, ${processes} x ${concurrency}: ${Math.round(perSecond)} requests/s`);
        rows.push([
          through === 'gate' ? 'fleet gate' : 'bare PING',
          String(processes),
          String(concurrency),
          Math.round(perSecond).toLocaleString('en-US'),
          Math.round(perSecond / processes).toLocaleString('en-US'),
          ((DURATION_MS * processes * concurrency) / total).toFixed(3),
        ]);
      }
    }
  } finally {
    await redis.stop();
  }
  return rows;
}
