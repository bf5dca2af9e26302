import type { Argv } from 'yargs';
import { InputError } from '../errors.ts';
import { partitionsOf } from '../fleet/partitions.ts';
import { plural } from '../report/format.ts';
import { ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import type { LogOptions } from './logger.ts';
import { cameraOptions, dateRangeOptions, jsonOption } from './option-groups.ts';
import { wholeNumber } from './options.ts';
import { queueOptions, withFleet } from './queue-options.ts';

const ENQUEUE_DEFAULTS = { attempts: 5, backoffMs: 30_000 };

export function enqueueOptions<T>(yargs: Argv<T>) {
  return jsonOption(queueOptions(cameraOptions(dateRangeOptions(yargs))), 'what was enqueued')
    .option('discover', {
      type: 'boolean',
      default: false,
      describe: 'Workers read the real frame times of each date from the camera history page (headless Chromium) instead of the grid',
    })
    .option('page-url', { type: 'string', describe: 'With --discover: the camera history page (default: the real one)' })
    .option('attempts', {
      coerce: wholeNumber('--attempts', 1, 1000),
      default: ENQUEUE_DEFAULTS.attempts,
      describe: 'Tries per partition before it is parked as failed',
    })
    .option('backoff', {
      coerce: wholeNumber('--backoff', 0),
      default: ENQUEUE_DEFAULTS.backoffMs,
      describe: 'Delay before the first retry of a failed partition, in ms; each next retry waits twice as long',
    });
}

type EnqueueArgs = Awaited<ReturnType<typeof enqueueOptions>['argv']> & LogOptions;

/** `draydog enqueue`: the (date, stream) partitions of a range become jobs of the fleet, each once however often it is enqueued. */
export async function enqueue(args: EnqueueArgs, io: CliIo): Promise<number> {
  if (!args.from) throw new InputError('missing --from: give a first date (YYYY-MM-DD)');
  const partitions = partitionsOf({
    from: args.from,
    to: args.to,
    streams: args.streams ?? [],
    terminal: args.terminal,
    discover: args.discover ? { pageUrl: args.pageUrl } : undefined,
  });
  return withFleet(args, async (fleet) => {
    const added = await fleet.enqueue(partitions, {
      attempts: args.attempts ?? ENQUEUE_DEFAULTS.attempts,
      backoffMs: args.backoff ?? ENQUEUE_DEFAULTS.backoffMs,
    });
    const already = partitions.length - added;
    if (args.json) io.stdout.write(`${JSON.stringify({ partitions: partitions.length, added, alreadyQueued: already })}\n`);
    else io.stdout.write(`enqueued ${plural(added, 'partition')} of ${partitions.length} (${already} already in the fleet's queue)\n`);
    return ExitCode.ok;
  });
}
