import type { Argv } from 'yargs';
import { assertArchiveReachable } from '../download.ts';
import { shownCatalog, withoutPassword } from '../catalog/catalog-location.ts';
import { assertCatalogLocation, openCatalog } from '../catalog/open-catalog.ts';
import { RANGES, resolveFetchSettings } from '../settings.ts';
import { ExitCode } from './exit-codes.ts';
import { fetchSettingsOf, transferOptions } from './fetch-options.ts';
import { listenForInterruption } from './interruption.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { browserOptionsOf } from './option-groups.ts';
import { positiveNumber, wholeNumber } from './options.ts';
import { queueOptions, withFleet } from './queue-options.ts';
import { uiSettingsOf, uiOptions } from './ui-options.ts';
import { RunState } from '../dashboard/run-state.ts';
import { startCatalogDashboard } from '../dashboard/start-dashboard.ts';

const WORKER_DEFAULTS = { partitions: 1, lockDurationMs: 30_000 };

export function workerOptions<T>(yargs: Argv<T>) {
  return uiOptions(queueOptions(transferOptions(yargs)))
    .option('rate', {
      coerce: positiveNumber('--rate', RANGES.ratePerSecond.min),
      describe: "The fleet's request budget: at most N requests per second from all the workers of --fleet together",
    })
    .option('partitions', {
      coerce: wholeNumber('--partitions', 1, 1000),
      default: WORKER_DEFAULTS.partitions,
      describe: 'Partitions this worker runs at once (each fetches --concurrency frames at once)',
    })
    .option('lock-duration', {
      coerce: wholeNumber('--lock-duration', 1000),
      default: WORKER_DEFAULTS.lockDurationMs,
      describe:
        'ms a partition stays locked to this worker between renewals: a worker that dies hands its partitions on after about this long',
    })
    .option('until-empty', {
      type: 'boolean',
      default: false,
      describe: "Exit once the fleet's queue has no partition waiting, retrying or running",
    });
}

/** `report` at most once in 5 s: while Redis is away every waiting request hears of it. */
function everyFewSeconds<T>(report: (value: T) => void): (value: T) => void {
  let reportedAt = Number.NEGATIVE_INFINITY;
  return (value) => {
    if (Date.now() - reportedAt < 5000) return;
    reportedAt = Date.now();
    report(value);
  };
}

type WorkerArgs = Awaited<ReturnType<typeof workerOptions>['argv']> & LogOptions;

/** `draydog worker`: runs the fleet's partitions through the download pipeline until Ctrl-C (or, with --until-empty, until none is left). */
export async function worker(args: WorkerArgs, io: CliIo): Promise<number> {
  const logger = createLogger(io, args);
  const settings = resolveFetchSettings(fetchSettingsOf(args));
  assertCatalogLocation(args.db);
  return withFleet(args, async (fleet, redis) => {
    const [{ runFleetWorker }, { workerGate }] = await Promise.all([import('../fleet/fleet-worker.ts'), import('../fleet/worker-gate.ts')]);
    await assertArchiveReachable(settings);
    const orm = await openCatalog({ dbPath: args.db });
    const interruption = listenForInterruption(logger, 'the partitions');
    logger.info(
      { queue: withoutPassword(args.queue), fleet: args.fleet, out: settings.out, db: shownCatalog(args.db) },
      `worker of fleet ${args.fleet} taking partitions`,
    );
    // a connection of its own: a request's turn is not queued behind BullMQ's commands; its errors reach onRedisError
    const gateRedis = redis.duplicate();
    gateRedis.on('error', () => undefined);
    const ui = uiSettingsOf(args);
    const state = new RunState();
    const dashboard =
      ui &&
      (await startCatalogDashboard({ ui, env: io.env, logger, state, orm, out: settings.out, fleet: { name: args.fleet, queue: fleet } }));
    try {
      const result = await runFleetWorker({
        redis,
        name: args.fleet,
        partitionsAtOnce: args.partitions ?? WORKER_DEFAULTS.partitions,
        lockDurationMs: args.lockDuration ?? WORKER_DEFAULTS.lockDurationMs,
        download: {
          ...settings,
          orm,
          logger,
          gate: workerGate({
            redis: gateRedis,
            fleet: args.fleet,
            ratePerSecond: settings.ratePerSecond,
            bytesPerSecond: settings.bytesPerSecond,
            onRedisError: everyFewSeconds((error: Error) =>
              logger.warn(`the queue's Redis did not answer the request gate (${error.message}); requests wait for it`),
            ),
          }),
          discover: { browser: browserOptionsOf({}, io.env) },
          onRetry: () => state.retried(),
        },
        onOutcome: (item) => state.outcome(item),
        drain: interruption.drain,
        abort: interruption.cancel,
        untilEmpty: args.untilEmpty,
        logger,
      });
      logger.info(
        result,
        `worker stopped: ${result.done} partitions done, ${result.failedAttempts} attempts failed, ${result.handedBack} handed back`,
      );
      if (interruption.drain.aborted) return ExitCode.interrupted;
      const { failed } = await fleet.status();
      return failed.length > 0 ? ExitCode.framesFailed : ExitCode.ok;
    } finally {
      interruption.dispose();
      await dashboard?.close();
      gateRedis.disconnect();
      await orm.close();
    }
  });
}
