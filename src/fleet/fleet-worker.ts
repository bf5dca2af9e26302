import { WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutcomeItem } from '../items.ts';
import { plural } from '../report/format.ts';
import { downloadPartition } from './download-partition.ts';
import { FLEET_PREFIX, FleetQueue } from './fleet-queue.ts';
import type { Partition } from './partitions.ts';

type PartitionDownloadOptions = Parameters<typeof downloadPartition>[1];

export interface FleetWorkerOptions {
  /** A connection made by `connectQueue`. */
  readonly redis: Redis;
  /** The fleet (BullMQ queue) name. */
  readonly name: string;
  /** Partitions this worker runs at once. */
  readonly partitionsAtOnce: number;
  /** How long a partition stays this worker's without its lock being renewed: a worker killed holding one hands it on after about this long. */
  readonly lockDurationMs: number;
  /** Everything a partition's run needs but the partition (the open catalog, the gate, the archive, the fetch settings). */
  readonly download: Omit<PartitionDownloadOptions, 'signal' | 'abortSignal' | 'onOutcome'>;
  /** Hears every frame's outcome (a dashboard of the worker). */
  readonly onOutcome?: (item: OutcomeItem) => void;
  /** Aborting takes no new partition and hands back those in hand once their frames in flight are done. */
  readonly drain: AbortSignal;
  /** Aborting cancels the frames in flight too. */
  readonly abort: AbortSignal;
  /** Return once no partition is left to run (none waiting, retrying or active anywhere in the fleet). */
  readonly untilEmpty: boolean;
  readonly logger: Logger;
}

/** What one worker did: partitions done, handed back, and attempts that failed. */
export interface FleetWorkerResult {
  readonly done: number;
  readonly handedBack: number;
  readonly failedAttempts: number;
}

/** How often a worker adds its frames to the fleet's totals, beats its heart and looks for a fleet-wide pause. */
const TICK_MS = 1000;
/** A worker's own rate is over this many ticks. */
const RATE_TICKS = 10;

/**
 * A fleet worker: takes partitions from the BullMQ queue and runs each through the ordinary pipeline
 * (`downloadPartition`). A partition whose frames failed is retried with BullMQ's backoff, then parked
 * failed with its reason; one that stopped itself (the circuit breaker) pauses the whole fleet with
 * its reason kept in Redis, and every worker hands back what it holds. Redis going away pauses the
 * worker until it is back (the connection reconnects for ever).
 */
export async function runFleetWorker(options: FleetWorkerOptions): Promise<FleetWorkerResult> {
  const { redis, name, logger, drain, abort } = options;
  const fleet = new FleetQueue(redis, name);
  const handBacks = new Set<AbortController>();
  const inHand = new Set<string>();
  const result = { done: 0, handedBack: 0, failedAttempts: 0 };
  const pulse = startPulse(fleet, { inHand, handBacks });
  const countOutcome = (item: OutcomeItem) => {
    options.onOutcome?.(item);
    pulse.counted(item);
  };

  const processPartition = async (job: Job<Partition>, token?: string, signal?: AbortSignal) => {
    const handBack = new AbortController();
    handBacks.add(handBack);
    inHand.add(String(job.id));
    try {
      // a partition taken as the worker drains stops at once, unfinished
      const outcome = await downloadPartition(job.data, {
        ...options.download,
        signal: AbortSignal.any([drain, handBack.signal]),
        abortSignal: AbortSignal.any(signal ? [abort, signal] : [abort]),
        onOutcome: countOutcome,
      });
      if (outcome.kind === 'done') {
        result.done += 1;
        const { downloaded, alreadyExisted, notFound, bytes } = outcome.report.stats;
        return { downloaded, alreadyExisted, notFound, bytes };
      }
      if (outcome.kind === 'failed') {
        result.failedAttempts += 1;
        throw new Error(outcome.reason);
      }
      if (outcome.kind === 'stopped') {
        logger.error(`partition ${job.id} stopped: pausing the fleet (draydog retry-failed resumes it)`);
        await fleet.pauseFleet(`${job.id}: ${outcome.reason}`);
      }
      // handed back without spending an attempt: another worker (or this one, later) takes it from where the archive is
      result.handedBack += 1;
      await job.moveToWait(token);
      throw new WaitingError();
    } finally {
      handBacks.delete(handBack);
      inHand.delete(String(job.id));
    }
  };

  const worker = new Worker<Partition>(name, processPartition, {
    connection: redis,
    prefix: FLEET_PREFIX,
    concurrency: options.partitionsAtOnce,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.lockDurationMs,
    autorun: false,
  });
  let lastError = '';
  worker.on('error', (error) => {
    // a Redis outage repeats the same error at every reconnection: one line for it
    if (error.message !== lastError) logger.warn(`queue: ${error.message} (waiting for Redis)`);
    lastError = error.message;
  });
  worker.on('active', (job) => {
    lastError = '';
    logger.info({ partition: job.id }, `partition ${job.id} started`);
  });
  worker.on('completed', (job) => logger.info({ partition: job.id, ...job.returnvalue }, `partition ${job.id} done`));
  worker.on('failed', (job, error) => {
    if (!job || error instanceof WaitingError) return;
    const left = (job.opts.attempts ?? 1) - job.attemptsMade;
    logger.warn(
      { partition: job.id, attempts: job.attemptsMade },
      `partition ${job.id} failed (${error.message}); ${left > 0 ? `${plural(left, 'attempt')} left` : 'parked as failed'}`,
    );
  });

  const running = worker.run();
  await worker.waitUntilReady();
  await Promise.race([untilFinished(), new Promise<void>((resolve) => drain.addEventListener('abort', () => resolve(), { once: true }))]);
  const closing = worker.close();
  abort.addEventListener('abort', () => void worker.close(true), { once: true });
  await closing;
  await running;
  await pulse.stop();
  await fleet.close();
  return result;

  async function untilFinished(): Promise<void> {
    if (!options.untilEmpty) return new Promise(() => {});
    for (;;) {
      await sleep(TICK_MS);
      if (handBacks.size === 0 && (await fleet.unfinished().catch(() => 1)) === 0) return;
    }
  }
}

/**
 * A worker's once-a-second pulse: adds its frames to the fleet's totals, beats its heart (who it is,
 * what it holds, how fast it goes), and hands back its partitions when the fleet was paused. A Redis
 * blip only delays it; `stop` takes the worker off the fleet's list.
 */
function startPulse(fleet: FleetQueue, held: { readonly inHand: ReadonlySet<string>; readonly handBacks: ReadonlySet<AbortController> }) {
  const me = `${hostname()}:${process.pid}`;
  const recentTicks: { at: number; frames: number }[] = [{ at: Date.now(), frames: 0 }];
  let pending = { frames: 0, bytes: 0 };
  const tick = async () => {
    const counts = pending;
    pending = { frames: 0, bytes: 0 };
    recentTicks.push({ at: Date.now(), frames: counts.frames });
    if (recentTicks.length > RATE_TICKS + 1) recentTicks.shift();
    const seconds = (recentTicks.at(-1)!.at - recentTicks[0].at) / 1000;
    const framesPerSecond = seconds > 0 ? recentTicks.slice(1).reduce((sum, { frames }) => sum + frames, 0) / seconds : 0;
    await fleet.beat({ worker: me, partitions: [...held.inHand], framesPerSecond }).catch(() => undefined);
    if (counts.frames > 0)
      await fleet.count(counts).catch(() => {
        pending = { frames: pending.frames + counts.frames, bytes: pending.bytes + counts.bytes };
      });
    const paused = held.handBacks.size > 0 && (await fleet.pausedBecause().catch(() => null));
    if (paused) for (const handBack of held.handBacks) handBack.abort();
  };
  const closed = new AbortController();
  const ticking = (async () => {
    while (!closed.signal.aborted) {
      await sleep(TICK_MS, undefined, { signal: closed.signal }).catch(() => undefined);
      await tick();
    }
  })();
  return {
    /** A frame's outcome: a frame handled (downloaded, already there, or missing on the CDN) counts; a failed one does not. */
    counted(item: OutcomeItem): void {
      if (item.kind === 'failed') return;
      pending.frames += 1;
      if (item.kind === 'downloaded') pending.bytes += item.bytes;
    },
    async stop(): Promise<void> {
      closed.abort();
      await ticking;
      await fleet.leave(me).catch(() => undefined);
    },
  };
}
