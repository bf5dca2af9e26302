// One process of the fleet gate bench (scripts/bench/fleet-gate.ts): `node fleet-gate-load.ts '<json>'` with
// { redisUrl, name, concurrency, durationMs, through }. Once connected it prints `ready` and waits for a line on stdin;
// then for durationMs it passes requests through a fleet gate without a rate (no HTTP: the gate's own cost), or with
// `through: 'ping'` makes one bare PING per request instead (what a Redis round trip costs here), with `concurrency`
// in flight, and prints `{"requests":N}`.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { createFleetGate } from '../../src/fleet/fleet-gate.ts';

const { redisUrl, name, concurrency, durationMs, through } = JSON.parse(process.argv[2]) as {
  redisUrl: string;
  name: string;
  concurrency: number;
  durationMs: number;
  through: 'gate' | 'ping';
};
const redis = new Redis(redisUrl);
const gate = createFleetGate({ redis, name });
await redis.ping();
process.stdout.write('ready\n');
await once(createInterface({ input: process.stdin }), 'line');
const stopAt = performance.now() + durationMs;
let requests = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < stopAt) {
      if (through === 'ping') {
        await redis.ping();
      } else {
        const ticket = {};
        await gate.beforeRequest(ticket);
        gate.answered(ticket);
      }
      requests += 1;
    }
  }),
);
process.stdout.write(`${JSON.stringify({ requests })}\n`);
redis.disconnect();
