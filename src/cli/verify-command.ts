import type { Argv } from 'yargs';
import { InputError } from '../errors.ts';
import { catalogExists } from '../catalog/catalog-location.ts';
import { openCatalog } from '../catalog/open-catalog.ts';
import { verifyArchive } from '../archive/verify.ts';
import { assertArchiveReachable } from '../download.ts';
import { isObjectStoreUrl } from '../storage/archive-location.ts';
import { ExitCode } from './exit-codes.ts';
import { plural } from '../report/format.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { printSummary } from './summary.ts';
import { fetchArchiveOption, catalogOption, jsonOption, terminalOption } from './option-groups.ts';

export function verifyOptions<T>(yargs: Argv<T>) {
  return jsonOption(terminalOption(fetchArchiveOption(catalogOption(yargs))), 'the result')
    .option('repair', {
      type: 'boolean',
      default: false,
      describe: 'Fix the catalog; move bad files aside so the next download fetches them again',
    })
    .option('deep', {
      type: 'boolean',
      default: false,
      describe: 'With --out s3://: download and hash every object (by default its size and the sha256 in its metadata are compared)',
    });
}

type VerifyArgs = Awaited<ReturnType<typeof verifyOptions>['argv']> & LogOptions;

/** `draydog verify`: exit 0 when disk and catalog agree (or were repaired), 1 when they differ. */
export async function verify(args: VerifyArgs, io: CliIo): Promise<number> {
  if (!catalogExists(args.db)) throw new InputError(`invalid --db "${args.db}": no catalog there`);
  const archive = { out: args.out, s3Endpoint: args.s3Endpoint ?? io.env.AWS_ENDPOINT_URL, s3PathStyle: args.s3PathStyle };
  // the S3 SDK is imported only for a bucket: it is a chunk of its own in the command line's bundle
  const bucket = isObjectStoreUrl(args.out) ? (await import('../storage/object-store.ts')).objectStoreAt(archive) : undefined;
  const orm = await openCatalog({ dbPath: args.db });
  try {
    if (bucket) await assertArchiveReachable(archive);
    const { terminal, repair } = args;
    const result = bucket
      ? await (await import('../archive/verify-bucket.ts')).verifyBucket({ orm, ...bucket, terminal, repair, deep: args.deep })
      : await verifyArchive({ orm, root: args.out, terminal, repair });
    if (args.json) io.stdout.write(`${JSON.stringify(result)}\n`);
    else
      for (const { kind, path, detail, repaired } of result.problems)
        io.stdout.write(`${kind.padEnd(13)} ${path}: ${detail}${repaired ? ` -> ${repaired}` : ''}\n`);
    const unrepaired = result.problems.filter(({ repaired }) => !repaired).length;
    printSummary(
      io,
      createLogger(io, args),
      `Checked ${plural(result.rowsChecked, 'catalog row')} and ${plural(result.filesChecked, bucket ? 'object' : 'image file')}: ${plural(result.problems.length, 'difference')}` +
        `${args.repair ? `, ${result.problems.length - unrepaired} repaired` : ''}.`,
      { rowsChecked: result.rowsChecked, filesChecked: result.filesChecked, differences: result.problems.length, unrepaired },
    );
    return unrepaired === 0 ? ExitCode.ok : ExitCode.framesFailed;
  } finally {
    bucket?.client.destroy();
    await orm.close();
  }
}
