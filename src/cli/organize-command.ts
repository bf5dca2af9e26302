import { statSync } from 'node:fs';
import type { Argv } from 'yargs';
import { InputError } from '../frame-time.ts';
import { organizeFiles } from '../organize.ts';
import { DEFAULT_TERMINAL } from '../sources/frame-grid.ts';
import { DEFAULT_DB_PATH, openCatalog } from '../sinks/open-catalog.ts';
import { ExitCode } from './exit-codes.ts';
import { plural } from '../format.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { printSummary } from './summary.ts';

export function organizeOptions<T>(yargs: Argv<T>) {
  return yargs
    .positional('source', { type: 'string', demandOption: true, describe: 'Folder to take images from' })
    .positional('target', { type: 'string', demandOption: true, describe: 'Root of the <date>/<stream>/ layout' })
    .option('db', { type: 'string', default: DEFAULT_DB_PATH, describe: 'SQLite catalog to record the new paths in' })
    .option('terminal', { type: 'string', default: DEFAULT_TERMINAL, describe: 'Terminal the camera belongs to (apm: APM Terminals, Los Angeles)' })
    .option('json', { type: 'boolean', default: false, describe: 'Print the result as one JSON document' });
}

type OrganizeArgs = Awaited<ReturnType<typeof organizeOptions>['argv']> & LogOptions;

/** `draydog organize`: moves images into the layout, never over an existing file, and says what it did. */
export async function organize(args: OrganizeArgs, io: CliIo): Promise<number> {
  const { source, target } = args as OrganizeArgs & { source: string; target: string };
  if (!statSync(source, { throwIfNoEntry: false })?.isDirectory()) throw new InputError(`invalid source "${source}": not a folder`);
  const orm = await openCatalog({ dbPath: args.db });
  try {
    const result = await organizeFiles(source, target, { terminal: args.terminal, orm });
    if (args.json) {
      io.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      for (const { from, to } of result.moved) io.stdout.write(`moved  ${from} -> ${to}\n`);
      for (const { path, reason } of result.left) io.stdout.write(`left   ${path}: ${reason}\n`);
      printSummary(io, createLogger(io, args), `Moved ${plural(result.moved.length, 'file')}, left ${result.left.length}.`, { moved: result.moved.length, left: result.left.length });
    }
    return ExitCode.ok;
  } finally {
    await orm.close();
  }
}
