import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { createFleetGate, type FleetGateOptions } from '../../src/fleet/fleet-gate.ts';
import type { RequestGate } from '../../src/http/request-gate.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import type { FleetClientJob } from '../support/fleet-gate-client.ts';
import { mostInWindow } from '../support/request-log.ts';
import { freePort } from '../support/services/service-dirs.ts';
import { type RedisServer, redisForTests, startRedis } from '../support/services/redis.ts';

const CLIENT_SCRIPT = fileURLToPath(new URL('../support/fleet-gate-client.ts', import.meta.url));

/** What a client process printed: the requests it made, and when (ms since the epoch) its gate let each attempt go. */
interface FleetClientReport {
  readonly sent: number;
  readonly released: number[];
}

/** Milliseconds since the call. */
function startedAt() {
  const t0 = Date.now();
  return () => Date.now() - t0;
}

it('refuses a rate or a name it cannot use, in one line naming the value', () => {
  const redis = new Redis({ lazyConnect: true });
  expect(() => createFleetGate({ redis, name: 'q', ratePerSecond: 0 })).toThrow(
    new InputError('invalid fleet rate "0": expected requests per second > 0'),
  );
  expect(() => createFleetGate({ redis, name: 'q', ratePerSecond: Number.NaN })).toThrow(/invalid fleet rate "NaN"/);
  expect(() => createFleetGate({ redis, name: '' })).toThrow(/invalid fleet gate name ""/);
  expect(() => createFleetGate({ redis, name: 'q', probeTimeoutMs: -1 })).toThrow(/invalid probe timeout "-1"/);
});

describe.runIf(redisForTests(import.meta.filename))('a fleet gate on a real Redis', () => {
  let server: RedisServer;
  const clients: Redis[] = [];
  let gateNumber = 0;
  /** A gate on a Redis connection of its own, connected, as another process would have; `name` shares its budget. */
  const gateOf = async (name: string, options: Omit<FleetGateOptions, 'redis' | 'name'> = {}): Promise<RequestGate> => {
    const redis = new Redis(server.url);
    clients.push(redis);
    await redis.ping();
    return createFleetGate({ redis, name, ...options });
  };
  const freshName = () => {
    gateNumber += 1;
    return `gate-${gateNumber}`;
  };

  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(() => server?.stop());

  it('spaces the starts of all processes sharing a name evenly, and leaves other names alone', async () => {
    const name = freshName();
    const [a, b, otherName] = await Promise.all([
      gateOf(name, { ratePerSecond: 50 }),
      gateOf(name, { ratePerSecond: 50 }),
      gateOf(freshName(), { ratePerSecond: 50 }),
    ]);
    const elapsed = startedAt();
    const started = Promise.all(Array.from({ length: 12 }, (_, n) => (n % 2 ? a : b).beforeRequest({ n }).then(() => elapsed())));
    await sleep(30); // the 12 have reserved the first name's next 240 ms
    const other = startedAt();
    await otherName.beforeRequest({});
    expect(other()).toBeLessThan(150); // behind them on the first name's schedule, it would wait about 200 ms
    const starts = await started;
    expect(mostInWindow(starts, 200)).toBeLessThanOrEqual(11); // 10 starts in 200 ms, and the one-start burst
    expect(Math.max(...starts)).toBeGreaterThanOrEqual(215); // 11 gaps of 20 ms
  });

  it('holds every process during a pause seen by one, the longest pause winning, then lets one probe go first', async () => {
    const name = freshName();
    const [a, b] = await Promise.all([gateOf(name), gateOf(name)]);
    a.answered({}, 150);
    b.pauseFor(50);
    await sleep(20); // the pauses reach Redis in the background
    const elapsed = startedAt();
    const order: string[] = [];
    const tickets = ['a1', 'b1', 'b2'].map((id) => ({ id }));
    const started = tickets.map((ticket) => (ticket.id.startsWith('a') ? a : b).beforeRequest(ticket).then(() => order.push(ticket.id)));
    await Promise.race(started);
    expect(elapsed()).toBeGreaterThanOrEqual(120);
    await sleep(100);
    expect(order).toHaveLength(1); // the others wait for the probe's answer, whichever process sent it
    const probe = tickets.find(({ id }) => id === order[0])!;
    (probe.id.startsWith('a') ? a : b).answered(probe);
    await Promise.all(started);
    expect(order.toSorted()).toEqual(['a1', 'b1', 'b2']);
  });

  it('pauses the fleet again when the probe is pushed back', async () => {
    const name = freshName();
    const [a, b] = await Promise.all([gateOf(name), gateOf(name)]);
    a.pauseFor(10);
    await sleep(30);
    const probe = {};
    await a.beforeRequest(probe);
    const follower = b.beforeRequest({});
    const elapsed = startedAt();
    a.answered(probe, 150);
    await follower;
    expect(elapsed()).toBeGreaterThanOrEqual(140);
  });

  it('lets the fleet go on when a probe gets no answer within the probe timeout (its process died)', async () => {
    const name = freshName();
    const [dead, alive] = await Promise.all([gateOf(name, { probeTimeoutMs: 200 }), gateOf(name, { probeTimeoutMs: 200 })]);
    dead.pauseFor(1);
    await sleep(20);
    await dead.beforeRequest({}); // the probe, never answered
    const elapsed = startedAt();
    await alive.beforeRequest({});
    expect(elapsed()).toBeGreaterThanOrEqual(150);
    expect(elapsed()).toBeLessThan(1500); // without the timeout: held for good
  });

  it('ends a wait when the request is aborted, and does not leave the fleet behind a probe of its own', async () => {
    const name = freshName();
    const [a, b] = await Promise.all([gateOf(name, { ratePerSecond: 5 }), gateOf(name, { ratePerSecond: 5 })]);
    a.pauseFor(200);
    await sleep(20);
    const duringPause = new AbortController();
    const elapsed = startedAt();
    setTimeout(() => duringPause.abort(), 30);
    await expect(a.beforeRequest({}, duringPause.signal)).rejects.toThrow(/abort/i);
    expect(elapsed()).toBeLessThan(170); // aborted at 30 ms, in a pause of 200
    await sleep(200);
    const probe = {};
    await a.beforeRequest(probe); // the probe after the pause: its start is now, the next one 200 ms on
    a.answered(probe);
    a.pauseFor(1);
    await sleep(20);
    const waitingForItsStart = new AbortController();
    setTimeout(() => waitingForItsStart.abort(), 30);
    await expect(a.beforeRequest({}, waitingForItsStart.signal)).rejects.toThrow(/abort/i); // was the probe
    await b.beforeRequest({}, AbortSignal.timeout(2000)); // the probe timeout is 10 s: this would time out
  });

  it('holds requests while Redis is down, and once it is back lets them go without a pile of stale reservations', async () => {
    const port = await freePort();
    // A client that queues commands while disconnected, as BullMQ's connections do (maxRetriesPerRequest: null)
    const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null, retryStrategy: () => 50 });
    clients.push(redis);
    redis.on('error', () => undefined); // ioredis reports each failed reconnection; the gate's errors are what is checked
    const errors: string[] = [];
    const name = freshName();
    const gate = createFleetGate({ redis, name, ratePerSecond: 50, onRedisError: (error) => errors.push(error.message) });
    let started = 0;
    const requests = Array.from({ length: 20 }, () => gate.beforeRequest({}).then(() => (started += 1)));
    await sleep(6500); // three of the gate's 2 s waits for an answer
    expect(started).toBe(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/did not answer within 2000 ms/);
    const revived = await startRedis({ port });
    try {
      const elapsed = startedAt();
      await Promise.all(requests);
      // 20 starts 20 ms apart: 380 ms; had each wait sent its call again, 60 stale reservations would come first (1.6 s)
      expect(elapsed()).toBeLessThan(1100);
    } finally {
      redis.disconnect();
      await revived.stop();
    }
  }, 25_000);
});

describe.runIf(redisForTests(import.meta.filename))('a fleet of processes sharing a gate, against the simulator', () => {
  let server: RedisServer;
  let simulator: Simulator;
  beforeAll(async () => {
    [server, simulator] = await Promise.all([startRedis(), startSimulator({ frameSize: 'small' })]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), simulator?.close()]);
  });

  /**
   * Runs `count` client processes; once all are ready they run from `startAt` to `stopAt`, which
   * `onReady(readyAt)` chooses. Resolves with what each printed last.
   */
  async function runFleet(
    count: number,
    job: Omit<FleetClientJob, 'redisUrl' | 'baseUrl'>,
    span: (readyAt: number) => { startAt: number; stopAt: number },
  ): Promise<FleetClientReport[]> {
    const full: FleetClientJob = { ...job, redisUrl: server.url, baseUrl: simulator.url };
    const children = Array.from({ length: count }, () =>
      spawn(process.execPath, [CLIENT_SCRIPT, JSON.stringify(full)], { stdio: ['pipe', 'pipe', 'pipe'] }),
    );
    const outputs = children.map(async (child) => {
      let stdout = '';
      let stderr = '';
      const { promise: ready, resolve } = Promise.withResolvers<void>();
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.startsWith('ready\n')) resolve();
      });
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const closed = new Promise((resolve) => child.once('close', resolve));
      return { ready, closed, output: () => ({ stdout, stderr }) };
    });
    const runs = await Promise.all(outputs);
    await Promise.all(runs.map(({ ready, closed }) => Promise.race([ready, closed])));
    const chosen = span(Date.now());
    for (const child of children) child.stdin.end(`${JSON.stringify(chosen)}\n`);
    return Promise.all(
      runs.map(async ({ closed, output }, n) => {
        const code = await closed;
        const { stdout, stderr } = output();
        expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
        expect(children[n].exitCode).toBe(0);
        return JSON.parse(stdout.split('\n').at(-2) ?? '') as FleetClientReport;
      }),
    );
  }

  // The gate reserves starts 50 ms apart on Redis's clock: at most 21 in a sliding second (its burst: one start); that
  // bound is checked on when the processes' gates let requests go. The simulator sees each request after its way there
  // and records a time only when it gets the CPU: on this 2-core machine, shared with the other test files, its stalls
  // bunch a few (busiest second seen: 21, 21, 22 alone; 23 and 25 within the full suite, the released times <= 21).
  it('keeps 3 processes at 20 requests/s together: 21 released in any second at most, and not starved', async () => {
    simulator.resetStats();
    let startAt = 0;
    let stopAt = 0;
    const reports = await runFleet(3, { name: 'rate', ratePerSecond: 20, concurrency: 4 }, (readyAt) => {
      startAt = readyAt + 100;
      stopAt = startAt + 4000;
      return { startAt, stopAt };
    });
    const arrivals = simulator.stats().requestTimestamps;
    expect(arrivals.length).toBe(reports.reduce((sum, { sent }) => sum + sent, 0));
    expect(reports.every(({ sent }) => sent >= 10)).toBe(true); // each process got a share
    expect(
      mostInWindow(
        reports.flatMap(({ released }) => released),
        1000,
      ),
    ).toBeLessThanOrEqual(21);
    expect(mostInWindow(arrivals, 1000)).toBeLessThanOrEqual(26);
    const inRun = arrivals.filter((at) => at >= startAt && at < stopAt).length;
    // 4 s at 20/s: 80 (79-80 alone); a start missed by a process stalled on this busy machine is not made up (65 seen)
    expect(inRun).toBeGreaterThanOrEqual(60);
    expect(inRun).toBeLessThanOrEqual(81);
  }, 30_000);

  it('pauses every process for a Retry-After: 2 answered to one of them, then goes on', async () => {
    simulator.resetStats();
    const { promise: started, resolve } = Promise.withResolvers<number>();
    const fleet = runFleet(3, { name: 'pause', ratePerSecond: 20, concurrency: 4 }, (readyAt) => {
      resolve(readyAt + 100);
      return { startAt: readyAt + 100, stopAt: readyAt + 4600 };
    });
    await sleep((await started) + 1000 - Date.now());
    const pushedBackAt = await simulator.pushBackOnce({ retryAfterSeconds: 2 });
    const reports = await fleet;
    const arrivals = simulator.stats().requestTimestamps;
    // The answer needs a moment to reach its process and that process a moment to tell Redis (longer on this busy
    // machine): a request let go before then still arrives, at most two 50 ms starts in the first 100 ms.
    const duringPause = arrivals.filter((at) => at > pushedBackAt + 100 && at < pushedBackAt + 2000);
    expect(duringPause).toEqual([]);
    expect(arrivals.filter((at) => at > pushedBackAt && at <= pushedBackAt + 100).length).toBeLessThanOrEqual(2);
    const after = arrivals.filter((at) => at >= pushedBackAt + 2000);
    expect(after.length).toBeGreaterThanOrEqual(20); // 1.5 s left at 20/s: 30
    const releasedAfter = reports.flatMap(({ released }) => released).filter((at) => at >= pushedBackAt + 2000);
    expect(mostInWindow(releasedAfter, 1000)).toBeLessThanOrEqual(21); // no stampede once the pause is over
  }, 30_000);
});
