// One process of a fleet, for the fleet gate's tests: `node fleet-gate-client.ts '<json of FleetClientJob>'`.
// Once connected it prints `ready` and reads one line of JSON `{ startAt, stopAt }` (ms since the epoch, the
// same for every process, so that processes started one after another compete over one span); from `startAt`
// to `stopAt` it requests frames of `baseUrl` with `concurrency` requests in flight, through the HTTP client
// and a fleet gate of its own; then prints `{"sent":N,"released":[…]}`: the requests it made, and when (ms since the
// epoch) the gate let each attempt go.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { createFleetGate } from '../../src/fleet/fleet-gate.ts';
import { createHttpClient } from '../../src/http/http-client.ts';
import type { RequestGate } from '../../src/http/request-gate.ts';

export interface FleetClientJob {
  readonly redisUrl: string;
  readonly name: string;
  readonly ratePerSecond?: number;
  readonly baseUrl: string;
  readonly concurrency: number;
}

const job = JSON.parse(process.argv[2]) as FleetClientJob;
const redis = new Redis(job.redisUrl);
const fleetGate = createFleetGate({ redis, name: job.name, ratePerSecond: job.ratePerSecond });
const released: number[] = [];
const gate: RequestGate = {
  ...fleetGate,
  async beforeRequest(ticket, signal) {
    await fleetGate.beforeRequest(ticket, signal);
    released.push(Date.now());
  },
};
const client = createHttpClient({ gate, concurrency: job.concurrency, retries: 3, retryDelayMs: 50 });
let sent = 0;

await redis.ping();
process.stdout.write('ready\n');
const [line] = (await once(createInterface({ input: process.stdin }), 'line')) as [string];
const span = JSON.parse(line) as { startAt: number; stopAt: number };
await new Promise((resolve) => setTimeout(resolve, Math.max(0, span.startAt - Date.now())));
await Promise.all(
  Array.from({ length: job.concurrency }, async () => {
    while (Date.now() < span.stopAt) {
      const second = sent % 3600;
      sent += 1;
      const time = `${String(Math.floor(second / 60)).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}`;
      // Which frame does not matter: an answer of any kind went through the gate.
      await client.get(`${job.baseUrl}/apm/2025-09-01/0/2025-09-01T00:${time}-in_gate.jpeg`).catch(() => undefined);
    }
  }),
);
process.stdout.write(`${JSON.stringify({ sent, released })}\n`);
redis.disconnect();
