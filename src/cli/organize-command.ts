import { statSync } from 'node:fs';
import type { Argv } from 'yargs';
import { InputError } from '../errors.ts';
import { organizeFiles } from '../archive/organize.ts';
import { assertCatalogLocation, openCatalog } from '../catalog/open-catalog.ts';
import { ExitCode } from './exit-codes.ts';
import { plural } from '../report/format.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { printSummary } from './summary.ts';
import { jsonOption, optionalCatalogOption, terminalOption } from './option-groups.ts';

export function organizeOptions<T>(yargs: Argv<T>) {
  return jsonOption(
    terminalOption(optionalCatalogOption(yargs, 'Catalog to record the new paths in, SQLite (a path) or postgres://… (none without it)')),
    'the result',
  )
    .positional('source', { type: 'string', demandOption: true, describe: 'Folder to take images from' })
    .positional('target', { type: 'string', demandOption: true, describe: 'Root of the <date>/<stream>/ layout' })
    .option('copy', { type: 'boolean', default: false, describe: 'Copy the files instead of moving them' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Print what would be done and change nothing' });
}

type OrganizeArgs = Awaited<ReturnType<typeof organizeOptions>['argv']> & LogOptions;

/** `moved`, `copied`, `would move` or `would copy`, as the output and the summary say it. */
function verbOf({ copy, dryRun }: OrganizeArgs): string {
  if (dryRun) return copy ? 'would copy' : 'would move';
  return copy ? 'copied' : 'moved';
}

/** `draydog organize`: moves (or copies) images into the layout, never over an existing file, and says what it did. */
export async function organize(args: OrganizeArgs, io: CliIo): Promise<number> {
  const { source, target } = args as OrganizeArgs & { source: string; target: string };
  if (!statSync(source, { throwIfNoEntry: false })?.isDirectory()) throw new InputError(`invalid source "${source}": not a folder`);
  if (args.db) assertCatalogLocation(args.db);
  // a catalog only when asked for, and none opened (so none created) by a dry run
  const orm = args.db && !args.dryRun ? await openCatalog({ dbPath: args.db }) : undefined;
  try {
    const result = await organizeFiles(source, target, { terminal: args.terminal, orm, copy: args.copy, dryRun: args.dryRun });
    if (args.json) {
      io.stdout.write(`${JSON.stringify({ ...result, copy: args.copy, dryRun: args.dryRun })}\n`);
      return ExitCode.ok;
    }
    const verb = verbOf(args);
    for (const { from, to } of result.moved) io.stdout.write(`${verb}  ${from} -> ${to}\n`);
    for (const { path, at } of result.alreadyThere) io.stdout.write(`already there  ${path} = ${at}\n`);
    for (const { path, reason } of result.left) io.stdout.write(`left   ${path}: ${reason}\n`);
    const summary = `${verb.charAt(0).toUpperCase()}${verb.slice(1)} ${plural(result.moved.length, 'file')}, ${result.alreadyThere.length} already there, left ${result.left.length}.`;
    printSummary(io, createLogger(io, args), summary, {
      moved: result.moved.length,
      alreadyThere: result.alreadyThere.length,
      left: result.left.length,
      copy: args.copy,
      dryRun: args.dryRun,
    });
    return ExitCode.ok;
  } finally {
    await orm?.close();
  }
}
