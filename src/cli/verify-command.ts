import type { Argv } from 'yargs';
import { InputError } from '../frame-time.ts';
import { DEFAULT_OUT } from '../run-download.ts';
import { DEFAULT_TERMINAL } from '../sources/frame-grid.ts';
import { catalogExists } from '../sinks/catalog-location.ts';
import { DEFAULT_DB_PATH, openCatalog } from '../sinks/open-catalog.ts';
import { verifyArchive } from '../verify.ts';
import { ExitCode } from './exit-codes.ts';
import { plural } from '../format.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { printSummary } from './summary.ts';

export function verifyOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('db', { type: 'string', default: DEFAULT_DB_PATH, describe: 'Catalog: a SQLite file (a path or sqlite:PATH) or PostgreSQL (postgres://user:password@host:port/database)' })
    .option('out', { type: 'string', default: DEFAULT_OUT, describe: 'Root of the image tree' })
    .option('terminal', { type: 'string', default: DEFAULT_TERMINAL, describe: 'Terminal the camera belongs to (apm: APM Terminals, Los Angeles)' })
    .option('repair', { type: 'boolean', default: false, describe: 'Fix the catalog; move bad files aside so the next download fetches them again' })
    .option('json', { type: 'boolean', default: false, describe: 'Print the result as one JSON document' });
}

type VerifyArgs = Awaited<ReturnType<typeof verifyOptions>['argv']> & LogOptions;

/** `draydog verify`: exit 0 when disk and catalog agree (or were repaired), 1 when they differ. */
export async function verify(args: VerifyArgs, io: CliIo): Promise<number> {
  if (!catalogExists(args.db)) throw new InputError(`invalid --db "${args.db}": no catalog there`);
  const orm = await openCatalog({ dbPath: args.db });
  try {
    const result = await verifyArchive({ orm, root: args.out, terminal: args.terminal, repair: args.repair });
    if (args.json) io.stdout.write(`${JSON.stringify(result)}\n`);
    else for (const { kind, path, detail, repaired } of result.problems) io.stdout.write(`${kind.padEnd(13)} ${path}: ${detail}${repaired ? ` -> ${repaired}` : ''}\n`);
    const unrepaired = result.problems.filter(({ repaired }) => !repaired).length;
    printSummary(
      io,
      createLogger(io, args),
      `Checked ${plural(result.rowsChecked, 'catalog row')} and ${plural(result.filesChecked, 'image file')}: ${plural(result.problems.length, 'difference')}` +
        `${args.repair ? `, ${result.problems.length - unrepaired} repaired` : ''}.`,
      { rowsChecked: result.rowsChecked, filesChecked: result.filesChecked, differences: result.problems.length, unrepaired },
    );
    return unrepaired === 0 ? ExitCode.ok : ExitCode.framesFailed;
  } finally {
    await orm.close();
  }
}
