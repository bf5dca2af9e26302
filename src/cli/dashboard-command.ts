import type { CatalogOrm } from '../catalog/catalog-location.ts';
import type { Argv } from 'yargs';
import { heatmapWindow, readCatalogView } from '../dashboard/catalog-view.ts';
import { openCatalogReadOnly } from '../dashboard/read-only-catalog.ts';
import { RunState } from '../dashboard/run-state.ts';
import { startDashboard } from '../dashboard/start-dashboard.ts';
import { formatDate, parseDate } from '../frame/time.ts';
import { InputError } from '../errors.ts';
import { ExitCode } from './exit-codes.ts';
import { listenForInterruption } from './interruption.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { uiOptions } from './ui-options.ts';
import { DEFAULTS } from '../settings.ts';

export function dashboardOptions<T>(yargs: Argv<T>) {
  return uiOptions(yargs)
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

/** The first and last capture date the catalog holds, or today for an empty one. */
async function catalogDates(orm: CatalogOrm, terminal: string | undefined): Promise<{ first: string; last: string }> {
  const [row] = await orm.em
    .getConnection()
    .execute<{ first: string | null; last: string | null }[]>(
      'select min(captured_at) as first, max(captured_at) as last from images where (? is null or terminal = ?)',
      [terminal ?? null, terminal ?? null],
    );
  const today = formatDate(Date.now());
  return { first: row?.first?.slice(0, 10) ?? today, last: row?.last?.slice(0, 10) ?? today };
}

/** `draydog dashboard`: the dashboard of a catalog, read-only, until Ctrl-C (exit 0). */
export async function dashboardCommand(args: DashboardArgs, io: CliIo): Promise<number> {
  const logger = createLogger(io, args);
  if (args.from !== undefined) parseDate(args.from, '--from date');
  if (args.to !== undefined) parseDate(args.to, '--to date');
  if (args.from !== undefined && args.to !== undefined && args.to < args.from)
    throw new InputError(`invalid date range: --to ${args.to} is before --from ${args.from}`);
  const orm = await openCatalogReadOnly(args.db);
  const interruption = listenForInterruption(logger, 'the answers');
  try {
    const state = new RunState({ catalogOnly: true });
    const server = await startDashboard({
      ui: { port: args.ui ?? 0, host: args.uiHost },
      env: io.env,
      logger,
      state,
      out: args.out,
      catalogChangesElsewhere: true,
      readCatalog: async () => {
        const { first, last } = await catalogDates(orm, args.terminal);
        const to = args.to ?? last;
        const window = heatmapWindow({ from: args.from ?? [first, to].sort()[0], to }, to);
        return readCatalogView(orm, { ...window, terminal: args.terminal, now: Date.now(), out: args.out });
      },
    });
    await new Promise((resolve) => interruption.drain.addEventListener('abort', resolve, { once: true }));
    await server.close();
    return ExitCode.ok;
  } finally {
    interruption.dispose();
    await orm.close();
  }
}
