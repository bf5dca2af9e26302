import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { partitionId, type Partition } from './partitions.ts';

/** Where a fleet's keys live in Redis: BullMQ's under `draydog:<name>:`, draydog's own beside them. */
export const FLEET_PREFIX = 'draydog';
const JOB_NAME = 'partition';
/** Frames done are counted in buckets of this many seconds; the fleet's rate is read over the last minute. */
const RATE_BUCKET_SECONDS = 10;
const RATE_WINDOW_SECONDS = 60;
/** A worker not heard of for this long is shown as gone; for ten times as long, it is forgotten. */
const WORKER_GONE_MS = 30_000;

export interface EnqueueOptions {
  /** Tries per partition before it is parked as failed. */
  readonly attempts: number;
  /** The first retry's delay in ms; each next one doubles it. */
  readonly backoffMs: number;
}

/** What one partition's run added to the fleet's totals. */
export interface FleetCounts {
  readonly frames: number;
  readonly bytes: number;
}

export interface FailedPartition {
  readonly partition: string;
  readonly reason: string;
  readonly attempts: number;
}

/** What a worker says of itself about once a second. */
export interface WorkerBeat {
  /** `<host>:<pid>`. */
  readonly worker: string;
  /** Ids of the partitions it runs now. */
  readonly partitions: readonly string[];
  /** Frames it handled per second over its last few seconds. */
  readonly framesPerSecond: number;
}

export interface WorkerView extends WorkerBeat {
  /** Seconds since its last heartbeat. */
  readonly secondsSinceSeen: number;
  /** Not heard of for a while: killed, or cut off from Redis (its partitions go to others after their lock lapses). */
  readonly gone: boolean;
}

export interface FleetStatus {
  readonly partitions: { waiting: number; retrying: number; active: number; done: number; failed: number };
  /** Why the fleet is paused (its circuit breaker tripped), or null. */
  readonly pausedBecause: string | null;
  readonly frames: number;
  readonly bytes: number;
  /** Frames handled per second by the whole fleet over the last minute. */
  readonly framesPerSecond: number;
  /** Seconds until the partitions left are done at that rate; null until a partition is done and while nothing moves. */
  readonly etaSeconds: number | null;
  readonly failed: readonly FailedPartition[];
  /** The workers heard of lately, busiest first. */
  readonly workers: readonly WorkerView[];
}

/** A fleet's queue of partitions in BullMQ, and the totals, rate and pause reason its workers keep beside it. */
export class FleetQueue {
  readonly queue: Queue<Partition>;
  readonly #redis: Redis;
  readonly #key: (what: string) => string;

  constructor(redis: Redis, name: string) {
    this.#redis = redis;
    this.queue = new Queue<Partition>(name, { connection: redis, prefix: FLEET_PREFIX });
    this.#key = (what) => `${FLEET_PREFIX}:${name}:fleet:${what}`;
  }

  /** Adds the partitions not in the queue yet (stable ids: a partition already there, in any state, is left alone); resolves to how many were added. */
  async enqueue(partitions: readonly Partition[], { attempts, backoffMs }: EnqueueOptions): Promise<number> {
    const before = await this.#jobCount();
    const opts = { attempts, backoff: { type: 'exponential', delay: backoffMs } };
    for (let start = 0; start < partitions.length; start += 1000) {
      const batch = partitions.slice(start, start + 1000);
      await this.queue.addBulk(
        batch.map((partition) => ({ name: JOB_NAME, data: partition, opts: { ...opts, jobId: partitionId(partition) } })),
      );
    }
    return (await this.#jobCount()) - before;
  }

  async #jobCount(): Promise<number> {
    const counts = await this.queue.getJobCounts();
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  /** Adds what a worker did to the fleet's totals and to the current rate bucket. */
  async count({ frames, bytes }: FleetCounts, now = Date.now()): Promise<void> {
    const bucket = this.#key(`rate:${Math.floor(now / 1000 / RATE_BUCKET_SECONDS)}`);
    await this.#redis
      .multi()
      .hincrby(this.#key('totals'), 'frames', frames)
      .hincrby(this.#key('totals'), 'bytes', bytes)
      .incrby(bucket, frames)
      .expire(bucket, RATE_WINDOW_SECONDS * 3)
      .exec();
  }

  /** A worker's heartbeat: who it is, what it holds and how fast it goes, for `status` and the dashboard. */
  async beat(beat: WorkerBeat, now = Date.now()): Promise<void> {
    await this.#redis.hset(this.#key('workers'), beat.worker, JSON.stringify({ ...beat, seenAt: now }));
  }

  /** A worker that stopped on purpose is no longer listed. */
  async leave(worker: string): Promise<void> {
    await this.#redis.hdel(this.#key('workers'), worker);
  }

  async #workers(now: number): Promise<WorkerView[]> {
    const beats = Object.values(await this.#redis.hgetall(this.#key('workers'))).map(
      (json) => JSON.parse(json) as WorkerBeat & { seenAt: number },
    );
    const forgotten = beats.filter(({ seenAt }) => now - seenAt > 10 * WORKER_GONE_MS).map(({ worker }) => worker);
    if (forgotten.length > 0) await this.#redis.hdel(this.#key('workers'), ...forgotten);
    return beats
      .filter(({ worker }) => !forgotten.includes(worker))
      .map(({ seenAt, ...beat }) => ({
        ...beat,
        secondsSinceSeen: Math.max(0, Math.round((now - seenAt) / 1000)),
        gone: now - seenAt > WORKER_GONE_MS,
      }))
      .sort((a, b) => Number(a.gone) - Number(b.gone) || b.framesPerSecond - a.framesPerSecond || a.worker.localeCompare(b.worker));
  }

  /** Stops every worker taking partitions, keeping why for `status`. */
  async pauseFleet(reason: string): Promise<void> {
    await this.#redis.set(this.#key('paused-because'), reason);
    await this.queue.pause();
  }

  pausedBecause(): Promise<string | null> {
    return this.#redis.get(this.#key('paused-because'));
  }

  /** Moves the failed partitions back to the queue and lifts a pause; resolves to how many partitions were failed. */
  async retryFailed(): Promise<number> {
    const { failed = 0 } = await this.queue.getJobCounts('failed');
    await this.queue.retryJobs({ state: 'failed' });
    await this.#redis.del(this.#key('paused-because'));
    await this.queue.resume();
    return failed;
  }

  /** Partitions not finished yet, in any state a worker may still take them from. */
  async unfinished(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'waiting-children');
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  async status(now = Date.now()): Promise<FleetStatus> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    const partitions = {
      waiting: counts.waiting + counts.prioritized,
      retrying: counts.delayed,
      active: counts.active,
      done: counts.completed,
      failed: counts.failed,
    };
    const totals = await this.#redis.hgetall(this.#key('totals'));
    // the buckets of the last minute and the one still filling, over the time they cover
    const current = Math.floor(now / 1000 / RATE_BUCKET_SECONDS);
    const buckets = Array.from({ length: RATE_WINDOW_SECONDS / RATE_BUCKET_SECONDS + 1 }, (_, back) => this.#key(`rate:${current - back}`));
    const framesInWindow = (await this.#redis.mget(buckets)).reduce((sum, frames) => sum + Number(frames ?? 0), 0);
    const framesPerSecond = framesInWindow / (RATE_WINDOW_SECONDS + (now / 1000 - current * RATE_BUCKET_SECONDS));
    const frames = Number(totals.frames ?? 0);
    const partitionsLeft = partitions.waiting + partitions.retrying + partitions.active;
    // the partitions left are as large as those done so far (frames of partitions in hand count as done: a slight underestimate)
    const framesLeft = partitions.done > 0 ? partitionsLeft * (frames / (partitions.done + partitions.active)) : undefined;
    const failedJobs = await this.queue.getFailed();
    return {
      partitions,
      pausedBecause: await this.pausedBecause(),
      frames,
      bytes: Number(totals.bytes ?? 0),
      framesPerSecond,
      etaSeconds:
        partitionsLeft === 0 ? 0 : framesLeft !== undefined && framesPerSecond > 0 ? Math.round(framesLeft / framesPerSecond) : null,
      failed: failedJobs.map((job) => ({ partition: String(job.id), reason: job.failedReason ?? '', attempts: job.attemptsMade })),
      workers: await this.#workers(now),
    };
  }

  /** Lets go of BullMQ's queue; the Redis connection is the caller's. */
  close(): Promise<void> {
    return this.queue.close();
  }
}
