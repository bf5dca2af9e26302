import type { Argv } from 'yargs';
import { openCatalogReadOnly } from '../dashboard/read-only-catalog.ts';
import { RunState } from '../dashboard/run-state.ts';
import { startCatalogDashboard } from '../dashboard/start-dashboard.ts';
import type { FleetQueue } from '../fleet/fleet-queue.ts';
import { parseDate } from '../frame/time.ts';
import { InputError } from '../errors.ts';
import { ExitCode } from './exit-codes.ts';
import { listenForInterruption } from './interruption.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { optionalQueueOptions, withFleet } from './queue-options.ts';
import { uiOptions } from './ui-options.ts';
import { DEFAULTS } from '../settings.ts';

export function dashboardOptions<T>(yargs: Argv<T>) {
  return optionalQueueOptions(uiOptions(yargs))
    .option('db', {
      type: 'string',
      default: DEFAULTS.dbPath,
      describe: 'The catalog, opened read-only: a SQLite file or postgres://user:pass@host:port/db',
    })
    .option('out', {
      type: 'string',
      default: DEFAULTS.out,
      describe: 'Root of the image tree the catalog names (the newest frame of each stream is shown from it)',
    })
    .option('terminal', { type: 'string', describe: 'Only this terminal (default: every terminal in the catalog)' })
    .option('from', { type: 'string', describe: 'First date of the heatmap, YYYY-MM-DD (default: up to 31 days before --to)' })
    .option('to', { type: 'string', describe: 'Last date of the heatmap (default: the date of the newest frame)' });
}

type DashboardArgs = Awaited<ReturnType<typeof dashboardOptions>['argv']> & LogOptions;

/** `draydog dashboard`: the dashboard of a catalog, read-only, until Ctrl-C (exit 0). */
export async function dashboardCommand(args: DashboardArgs, io: CliIo): Promise<number> {
  if (args.from !== undefined) parseDate(args.from, '--from date');
  if (args.to !== undefined) parseDate(args.to, '--to date');
  if (args.from !== undefined && args.to !== undefined && args.to < args.from)
    throw new InputError(`invalid date range: --to ${args.to} is before --from ${args.from}`);
  const { queue } = args;
  if (queue === undefined) return serveCatalog(args, io);
  return withFleet({ queue, fleet: args.fleet }, (fleetQueue) => serveCatalog(args, io, { name: args.fleet, queue: fleetQueue }));
}

/** Serves the catalog's dashboard (and the fleet's, when given) until Ctrl-C. */
async function serveCatalog(args: DashboardArgs, io: CliIo, fleet?: { name: string; queue: FleetQueue }): Promise<number> {
  const logger = createLogger(io, args);
  const orm = await openCatalogReadOnly(args.db);
  const interruption = listenForInterruption(logger, 'the answers');
  try {
    const server = await startCatalogDashboard({
      ui: { port: args.ui ?? 0, host: args.uiHost },
      env: io.env,
      logger,
      state: new RunState({ catalogOnly: true }),
      orm,
      out: args.out,
      terminal: args.terminal,
      from: args.from,
      to: args.to,
      fleet,
    });
    await new Promise((resolve) => interruption.drain.addEventListener('abort', resolve, { once: true }));
    await server.close();
    return ExitCode.ok;
  } finally {
    interruption.dispose();
    await orm.close();
  }
}
