import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameFilePath, Image, openCatalog } from '../../src/index.ts';
import type { FleetStatus } from '../../src/fleet/fleet-queue.ts';
import type { RunSnapshot } from '../../src/dashboard/run-state.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { dashboardUrl, listTree, QUICK_FETCH_ARGS, runCli, startCli, until, type StartedCli } from '../support/cli.ts';
import { useFreshDirs, useSimulators } from '../support/fresh-dirs.ts';
import { startProxyCdn } from '../support/proxy-cdn.ts';
import { mostInWindow } from '../support/request-log.ts';
import { postgresForTests, startPostgres, type PostgresServer } from '../support/services/postgres.ts';
import { redisForTests, startRedis, type RedisServer } from '../support/services/redis.ts';

const SERVICES = redisForTests(import.meta.filename) && postgresForTests(import.meta.filename);
const STREAMS = ['in_gate', 'out_gate'];
const TEN_DAYS = Array.from({ length: 10 }, (_, day) => `2025-09-${String(day + 1).padStart(2, '0')}`);
const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');

const freshDir = useFreshDirs('draydog-fleet-');
const simulator = useSimulators();
const mildSimulator = (latencyMs = 5) => simulator({ timing: 'grid', frameSize: 'small', seed: 17, faults: 'mild', latencyMs });

describe.runIf(SERVICES)('a fleet of workers on Redis, PostgreSQL and a folder', () => {
  let redis: RedisServer;
  let postgres: PostgresServer;
  let fleets = 0;
  beforeAll(async () => {
    [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([redis?.stop(), postgres?.stop()]);
  });

  /** A fleet of its own for each test: its name, and a catalog database of its own. */
  async function newFleet() {
    fleets += 1;
    return { name: `fleet${fleets}`, db: await postgres.createDatabase(`fleet_${fleets}`), dir: freshDir() };
  }
  type Fleet = Awaited<ReturnType<typeof newFleet>>;
  const queueArgs = (fleet: Fleet) => ['--queue', redis.url, '--fleet', fleet.name];

  const enqueue = (fleet: Fleet, from: string, to: string, ...more: string[]) =>
    runCli(['enqueue', '--from', from, '--to', to, ...queueArgs(fleet), '--json', ...more], { cwd: fleet.dir });

  async function status(fleet: Fleet) {
    const run = await runCli(['status', ...queueArgs(fleet), '--json'], { cwd: fleet.dir });
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout);
  }

  /** The fleet's status once `condition` holds (checked every 200 ms); fails after 60 s. */
  async function statusWhen(fleet: Fleet, condition: (now: FleetStatus) => boolean): Promise<FleetStatus> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const now: FleetStatus = await status(fleet);
      if (condition(now)) return now;
      if (Date.now() > deadline) throw new Error(`the fleet's status never came: ${JSON.stringify(now)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  const startWorker = (fleet: Fleet, baseUrl: string, ...more: string[]): StartedCli =>
    startCli(
      [
        'worker',
        ...queueArgs(fleet),
        '--base-url',
        baseUrl,
        '--out',
        'images',
        '--db',
        fleet.db,
        ...QUICK_FETCH_ARGS,
        '--lock-duration',
        '2000',
        ...more,
      ],
      { cwd: fleet.dir, timeoutMs: 180_000 },
    );

  /** Every frame the simulator serves on `dates` is on disk once with its bytes, and has one catalog row with its size and sha256. */
  async function expectExactArchive(fleet: Fleet, sim: Simulator, dates: readonly string[]) {
    const expected = dates.flatMap((date) => STREAMS.flatMap((stream) => sim.frames(date, stream)));
    const root = join(fleet.dir, 'images');
    const images = listTree(root).filter((path) => path.endsWith('.jpg'));
    expect(images.map((path) => join(root, path)).sort()).toEqual(expected.map((frame) => frameFilePath(root, frame)).sort());
    expect(listTree(fleet.dir).filter((path) => path.includes('draydog-part'))).toEqual([]);
    const orm = await openCatalog({ dbPath: fleet.db });
    try {
      const rows = await orm.em.fork().find(Image, {});
      expect(rows).toHaveLength(expected.length);
      for (const frame of expected) {
        const body = readFileSync(frameFilePath(root, frame));
        expect(body.equals(sim.frameBytes(frame.stream, frame.capturedAt, frame.thumbnailOnly ? 'thumbnail' : 'full')!)).toBe(true);
        const row = rows.find(({ stream, capturedAt }) => stream === frame.stream && capturedAt === frame.capturedAt);
        expect([row?.fileSize, row?.sha256]).toEqual([body.length, sha(body)]);
      }
    } finally {
      await orm.close();
    }
    return expected.length;
  }

  it('three workers split 10 days x 2 streams of a mild CDN: archive and catalog exact; enqueuing twice adds nothing', async () => {
    const sim = await mildSimulator();
    const fleet = await newFleet();
    const first = await enqueue(fleet, TEN_DAYS[0], TEN_DAYS[9]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ partitions: 20, added: 20, alreadyQueued: 0 });
    const again = await enqueue(fleet, TEN_DAYS[0], TEN_DAYS[9]);
    expect(JSON.parse(again.stdout)).toEqual({ partitions: 20, added: 0, alreadyQueued: 20 });
    expect((await status(fleet)).partitions).toEqual({ waiting: 20, retrying: 0, active: 0, done: 0, failed: 0 });

    const workers = [0, 1, 2].map(() => startWorker(fleet, sim.url, '--until-empty'));
    const runs = await Promise.all(workers.map((worker) => worker.finished));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    // each took some of the partitions
    for (const run of runs) expect(run.stderr).toMatch(/partition apm\/2025-09-\d\d\/\w+ done/);
    expect(sim.stats().faultsByKind.status500 + sim.stats().faultsByKind.status503).toBeGreaterThan(0);

    const frames = await expectExactArchive(fleet, sim, TEN_DAYS);
    const done = await status(fleet);
    expect(done.partitions).toEqual({ waiting: 0, retrying: 0, active: 0, done: 20, failed: 0 });
    // every grid slot of every partition once: downloaded, or missing on the CDN
    expect(done.frames).toBe(20 * 144);
    expect(done.frames).toBeGreaterThan(frames);
    expect(done.bytes).toBeGreaterThan(0);
    expect(done.framesPerSecond).toBeGreaterThan(0);
    expect(done.etaSeconds).toBe(0);
    expect(done.failed).toEqual([]);
    const requests = sim.stats().totalRequests;
    expect((await enqueue(fleet, TEN_DAYS[0], TEN_DAYS[9])).stdout).toContain('"added":0');
    const idle = await runCli(
      ['worker', ...queueArgs(fleet), '--base-url', sim.url, '--out', 'images', '--db', fleet.db, '--until-empty'],
      {
        cwd: fleet.dir,
        spawned: true,
      },
    );
    expect(idle.code, idle.stderr).toBe(0);
    expect(sim.stats().totalRequests).toBe(requests);
  }, 240_000);

  it('a worker killed with kill -9 mid-partition loses nothing: another takes its partition over', async () => {
    const sim = await mildSimulator(20);
    const fleet = await newFleet();
    await enqueue(fleet, TEN_DAYS[0], TEN_DAYS[9]);
    const [victim, ...others] = [0, 1, 2].map(() => startWorker(fleet, sim.url, '--until-empty'));
    let victimErr = '';
    victim.child.stderr!.on('data', (chunk: Buffer) => {
      victimErr += chunk.toString();
    });
    await until(() => sim.stats().totalRequests >= 400 && /partition \S+ started/.test(victimErr), 120_000);
    victim.child.kill('SIGKILL');
    expect((await victim.finished).signal).toBe('SIGKILL');
    const startedByVictim = [...victimErr.matchAll(/partition (\S+) started/g)].map((match) => match[1]);
    const doneByVictim = [...victimErr.matchAll(/partition (\S+) done/g)].map((match) => match[1]);
    const taken = startedByVictim.filter((id) => !doneByVictim.includes(id));
    expect(taken).toHaveLength(1);

    const runs = await Promise.all(others.map((worker) => worker.finished));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(runs.map((run) => run.stderr).join('')).toContain(`partition ${taken[0]} done`);
    await expectExactArchive(fleet, sim, TEN_DAYS);
    const done = await status(fleet);
    expect(done.partitions).toEqual({ waiting: 0, retrying: 0, active: 0, done: 20, failed: 0 });
  }, 240_000);

  it('a partition whose frames keep failing is retried with backoff, then parked failed with its reason; retry-failed runs it again', async () => {
    const sim = await mildSimulator();
    const fleet = await newFleet();
    let broken = true;
    const cdn = await startProxyCdn(sim.url, (path) =>
      broken && path.includes('/2025-09-02T') && path.includes('-in_gate') ? 500 : undefined,
    );
    try {
      await enqueue(fleet, TEN_DAYS[0], TEN_DAYS[1], '--streams', 'in_gate', '--attempts', '2', '--backoff', '100');
      const run = await startWorker(fleet, cdn.url, '--until-empty', '--retries', '1', '--max-consecutive-failures', '1000').finished;
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('partition apm/2025-09-02/in_gate failed');
      expect(run.stderr).toContain('1 attempt left');
      expect(run.stderr).toContain('parked as failed');
      const parked = await status(fleet);
      expect(parked.partitions).toEqual({ waiting: 0, retrying: 0, active: 0, done: 1, failed: 1 });
      expect(parked.failed).toEqual([
        { partition: 'apm/2025-09-02/in_gate', attempts: 2, reason: expect.stringMatching(/^\d+ of 144 frames failed, e.g. HTTP 500/) },
      ]);
      const text = await runCli(['status', ...queueArgs(fleet)], { cwd: fleet.dir });
      expect(text.stdout).toContain('1 done, 1 failed');
      expect(text.stdout).toMatch(/apm\/2025-09-02\/in_gate +2 +\d+ of 144 frames failed, e.g. HTTP 500/);

      broken = false;
      const retried = await runCli(['retry-failed', ...queueArgs(fleet)], { cwd: fleet.dir });
      expect(retried.stdout).toBe('1 failed partition back in the queue\n');
      const rerun = await startWorker(fleet, cdn.url, '--until-empty').finished;
      expect(rerun.code, rerun.stderr).toBe(0);
      expect((await status(fleet)).partitions).toEqual({ waiting: 0, retrying: 0, active: 0, done: 2, failed: 0 });
    } finally {
      await cdn.close();
    }
  }, 240_000);

  it('the circuit breaker of one worker pauses the whole fleet: the others hand back what they hold; status says why; retry-failed resumes it', async () => {
    const sim = await mildSimulator(40);
    const fleet = await newFleet();
    let down = true;
    // one worker asks a CDN that is down, the other the simulator itself
    const cdn = await startProxyCdn(sim.url, () => (down ? 503 : undefined));
    try {
      await enqueue(fleet, TEN_DAYS[0], TEN_DAYS[2], '--backoff', '100');
      const healthy = startWorker(fleet, sim.url, '--concurrency', '2');
      await statusWhen(fleet, (now) => now.frames > 0);
      const tripping = startWorker(fleet, cdn.url, '--max-consecutive-failures', '5');
      const paused = await statusWhen(fleet, (now) => now.pausedBecause !== null && now.partitions.active === 0);
      expect(paused.pausedBecause).toMatch(/^apm\/2025-09-0\d\/\w+: stopped after 5 frames in a row failed \(last: HTTP 503\)/);
      // the healthy worker may have finished a partition before the other one tripped
      expect(paused.partitions).toEqual({
        waiting: 6 - paused.partitions.done,
        retrying: 0,
        active: 0,
        done: paused.partitions.done,
        failed: 0,
      });
      const text = await runCli(['status', ...queueArgs(fleet)], { cwd: fleet.dir });
      expect(text.stdout).toContain('PAUSED (apm/2025-09-0');
      // paused workers wait: they neither exit nor ask the CDN for anything
      const requests = sim.stats().totalRequests;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(sim.stats().totalRequests).toBe(requests);
      expect([healthy.child.exitCode, tripping.child.exitCode]).toEqual([null, null]);

      down = false;
      const resumed = await runCli(['retry-failed', ...queueArgs(fleet)], { cwd: fleet.dir });
      expect(resumed.stdout).toMatch(/^0 failed partitions back in the queue; the fleet resumes \(paused: apm\//);
      await statusWhen(fleet, (now) => now.partitions.done === 6);
      for (const worker of [healthy, tripping]) worker.child.kill('SIGINT');
      const [healthyRun, trippingRun] = await Promise.all([healthy.finished, tripping.finished]);
      for (const run of [healthyRun, trippingRun]) expect(run.code, run.stderr).toBe(130);
      // the healthy worker handed back the partition it held when the other one tripped
      expect(healthyRun.stderr).toMatch(/"handedBack":[1-9]/);
      await expectExactArchive(fleet, sim, TEN_DAYS.slice(0, 3));
    } finally {
      await cdn.close();
    }
  }, 240_000);

  it('a worker whose Redis connections drop mid-run reconnects and finishes: nothing lost, nothing twice', async () => {
    const sim = await mildSimulator(20);
    const fleet = await newFleet();
    await enqueue(fleet, TEN_DAYS[0], TEN_DAYS[2]);
    const worker = startWorker(fleet, sim.url, '--until-empty');
    for (const requests of [150, 450]) {
      await until(() => sim.stats().totalRequests >= requests, 60_000);
      expect(await redis.cli('client', 'kill', 'type', 'normal')).toMatch(/^[1-9]\d*$/);
    }
    const run = await worker.finished;
    expect(run.code, run.stderr).toBe(0);
    await expectExactArchive(fleet, sim, TEN_DAYS.slice(0, 3));
    expect((await status(fleet)).partitions).toEqual({ waiting: 0, retrying: 0, active: 0, done: 6, failed: 0 });
  }, 120_000);

  it('a worker whose PostgreSQL connections are dropped mid-run keeps going and finishes: nothing lost, no attempt spent', async () => {
    const sim = await mildSimulator(20);
    const fleet = await newFleet();
    await enqueue(fleet, TEN_DAYS[0], TEN_DAYS[2], '--attempts', '1');
    const worker = startWorker(fleet, sim.url, '--until-empty');
    const database = new URL(fleet.db).pathname.slice(1);
    for (const requests of [150, 450]) {
      await until(() => sim.stats().totalRequests >= requests, 60_000);
      const dropped = await postgres.sql(
        fleet.db,
        `select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = '${database}' and pid <> pg_backend_pid()`,
      );
      expect(Number(dropped)).toBeGreaterThan(0);
    }
    const run = await worker.finished;
    expect(run.code, run.stderr).toBe(0);
    await expectExactArchive(fleet, sim, TEN_DAYS.slice(0, 3));
    expect((await status(fleet)).partitions).toEqual({ waiting: 0, retrying: 0, active: 0, done: 6, failed: 0 });
  }, 120_000);

  it('the first SIGINT drains: the partition in hand goes back to the queue unspent, exit 130', async () => {
    const sim = await mildSimulator(30);
    const fleet = await newFleet();
    await enqueue(fleet, TEN_DAYS[0], TEN_DAYS[1]);
    const worker = startWorker(fleet, sim.url, '--concurrency', '2');
    // a running worker adds its frames to the fleet's totals as it goes
    await statusWhen(fleet, (now) => now.frames > 0 && now.framesPerSecond > 0);
    worker.child.kill('SIGINT');
    const run = await worker.finished;
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain('SIGINT: finishing the partitions in flight');
    expect(run.stderr).toContain('1 handed back');
    const drained = await status(fleet);
    expect(drained.partitions).toEqual({ waiting: 4, retrying: 0, active: 0, done: 0, failed: 0 });
    expect(drained.frames).toBeGreaterThan(0);
  }, 120_000);

  // The fleet gate reserves starts 50 ms apart on Redis's clock (at most 21 in a sliding second, its burst being one
  // start); the simulator stamps each request when it gets the CPU, so a busy machine can bunch a few: 26 allowed,
  // as in the gate's own test (21-22 seen alone, 23-25 within the full suite).
  it('--rate 20 is the whole fleet’s budget, and a Retry-After: 2 to one worker holds every worker for 2 s', async () => {
    const sim = await simulator({ timing: 'grid', frameSize: 'small', seed: 17, latencyMs: 5 });
    const fleet = await newFleet();
    await enqueue(fleet, TEN_DAYS[0], TEN_DAYS[1]);
    const workers = [0, 1, 2].map(() =>
      startCli(['worker', ...queueArgs(fleet), '--base-url', sim.url, '--out', 'images', '--db', fleet.db, '--rate', '20'], {
        cwd: fleet.dir,
        timeoutMs: 120_000,
      }),
    );
    // each worker takes a few seconds to start on a busy machine: the budget binds once all three run
    await until(() => sim.stats().totalRequests > 0, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const pushedBackAt = await sim.pushBackOnce({ retryAfterSeconds: 2 });
    await until(() => Date.now() > pushedBackAt + 4000, 10_000);
    for (const worker of workers) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((worker) => worker.finished));

    const arrivals = sim.stats().requestTimestamps;
    expect(mostInWindow(arrivals, 1000)).toBeLessThanOrEqual(26);
    // not starved either: the 2 s before the pause ran near the budget (40; a start missed by a stalled worker is not made up)
    expect(arrivals.filter((at) => at >= pushedBackAt - 2000 && at < pushedBackAt).length).toBeGreaterThanOrEqual(25);
    // the answer takes a moment to reach its worker and the worker a moment to tell Redis: a request let go
    // before then still arrives, at most two 50 ms starts
    expect(arrivals.filter((at) => at > pushedBackAt && at <= pushedBackAt + 100).length).toBeLessThanOrEqual(2);
    expect(arrivals.filter((at) => at > pushedBackAt + 100 && at < pushedBackAt + 2000)).toEqual([]);
    expect(arrivals.filter((at) => at >= pushedBackAt + 2000).length).toBeGreaterThanOrEqual(20);
  }, 120_000);

  it('status, worker --ui and dashboard --queue show the partitions by state and each worker’s rate and heartbeat', async () => {
    const sim = await mildSimulator(30);
    const fleet = await newFleet();
    await enqueue(fleet, TEN_DAYS[0], TEN_DAYS[1]);
    const worker = startWorker(fleet, sim.url, '--concurrency', '2', '--ui');
    const workerUi = await dashboardUrl(worker);
    const busy = await statusWhen(fleet, (now) => now.workers.length === 1 && now.workers[0].framesPerSecond > 0);
    expect(busy.workers[0]).toMatchObject({
      worker: `${hostname()}:${worker.child.pid}`,
      gone: false,
      partitions: [expect.stringMatching(/^apm\/2025-09-0[12]\/\w+_gate$/)],
    });
    expect(busy.workers[0].secondsSinceSeen).toBeLessThanOrEqual(5);
    const text = await runCli(['status', ...queueArgs(fleet)], { cwd: fleet.dir });
    expect(text.stdout).toMatch(new RegExp(`^${hostname()}:${worker.child.pid} +\\d+\\.\\d +\\d+\\.\\d s ago +apm/2025-09-0`, 'm'));

    const dashboard = startCli(['dashboard', '--db', fleet.db, ...queueArgs(fleet), '--ui'], { cwd: fleet.dir, timeoutMs: 60_000 });
    try {
      for (const url of [workerUi, await dashboardUrl(dashboard)]) {
        let state: RunSnapshot | undefined;
        for (let tries = 0; !state?.fleet && tries < 50; tries += 1) {
          state = (await (await fetch(`${url}api/state`)).json()) as RunSnapshot;
          if (!state.fleet) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(state?.fleet?.name).toBe(fleet.name);
        expect(state?.fleet?.partitions).toMatchObject({ done: expect.any(Number), failed: 0 });
        expect(Object.values(state!.fleet!.partitions).reduce((sum, count) => sum + count, 0)).toBe(4);
        expect(state?.fleet?.workers.map(({ worker: id }) => id)).toEqual([`${hostname()}:${worker.child.pid}`]);
      }
    } finally {
      dashboard.child.kill('SIGINT');
      await dashboard.finished;
    }
    worker.child.kill('SIGINT');
    expect((await worker.finished).code).toBe(130);
    // a worker that stopped on purpose is no longer listed
    expect((await status(fleet)).workers).toEqual([]);
  }, 120_000);

  it('a --queue that is not Redis, or a Redis that cannot be reached: exit 2, one line, no password, nothing written', async () => {
    const dir = freshDir();
    const notRedis = await runCli(['status', '--queue', 'http://user:s3cret@127.0.0.1:1'], { cwd: dir });
    expect([notRedis.code, notRedis.stderr]).toEqual([
      2,
      'draydog: invalid --queue "http://user:***@127.0.0.1:1/": give a Redis URL, redis://[user:password@]host:port[/db]\n',
    ]);
    const closed = `redis://user:s3cret@127.0.0.1:${redis.port + 1}`;
    for (const command of [
      ['enqueue', '--from', '2025-09-01'],
      ['status'],
      ['retry-failed'],
      ['worker', '--out', 'images', '--db', 'catalog.sqlite'],
    ]) {
      const run = await runCli([...command, '--queue', closed], { cwd: dir });
      expect([run.code, run.stderr], command[0]).toEqual([
        2,
        `draydog: cannot reach the queue at redis://user:***@127.0.0.1:${redis.port + 1}: ECONNREFUSED\n`,
      ]);
    }
    expect(existsSync(join(dir, 'images')) || existsSync(join(dir, 'catalog.sqlite'))).toBe(false);
  });
});

describe('the fleet commands’ --help', () => {
  it('describes every option and lists each command’s own exit codes', { timeout: 180_000 }, async () => {
    const commands = { enqueue: ['0', '2'], worker: ['0', '1', '2', '130'], status: ['0', '2'], 'retry-failed': ['0', '2'] };
    const dir = freshDir();
    const runs = await Promise.all(
      Object.keys(commands).map((command) => runCli([command, '--help'], { cwd: dir, spawned: true, timeoutMs: 150_000 })),
    );
    for (const [index, [command, codes]] of Object.entries(commands).entries()) {
      const { code, stdout, stderr } = runs[index];
      expect([code, stderr], command).toEqual([0, '']);
      expect(stdout, command).toContain('--queue');
      expect(
        stdout.split('\n').filter((line) => /^\s+(-\w, )?--[\w-]+\s+\[/.test(line)),
        `${command} options without a description`,
      ).toEqual([]);
      expect(
        [...stdout.split('Exit codes:\n')[1].matchAll(/^ {2}(\d+) +/gm)].map(([, exitCode]) => exitCode),
        command,
      ).toEqual(codes);
    }
    // a worker takes the terminal and the stream from each partition
    expect(runs[1].stdout).not.toContain('--streams');
    expect(listTree(dir)).toEqual([]);
  });
});
