import type { Redis } from 'ioredis';
import type { RequestGate } from '../http/request-gate.ts';
import { createFleetGate } from './fleet-gate.ts';

export interface WorkerGateOptions {
  readonly redis: Redis;
  /** The fleet's name: every worker of one fleet shares one request budget and one Retry-After pause. */
  readonly fleet: string;
  readonly ratePerSecond?: number;
  readonly bytesPerSecond?: number;
  readonly onRedisError?: (error: Error) => void;
}

/**
 * The gate every request of a worker passes through, shared by the partitions it runs at once and
 * by every other worker of its fleet: `--rate` is the fleet's budget, not each worker's.
 */
export function workerGate({ redis, fleet, ratePerSecond, bytesPerSecond, onRedisError }: WorkerGateOptions): RequestGate {
  return createFleetGate({ redis, name: `draydog:${fleet}`, ratePerSecond, bytesPerSecond, onRedisError });
}
