import type { Argv } from 'yargs';
import { plural } from '../report/format.ts';
import { ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import type { LogOptions } from './logger.ts';
import { queueOptions, withFleet } from './queue-options.ts';

export function retryFailedOptions<T>(yargs: Argv<T>) {
  return queueOptions(yargs);
}

type RetryFailedArgs = Awaited<ReturnType<typeof retryFailedOptions>['argv']> & LogOptions;

/** `draydog retry-failed`: the partitions parked as failed go back to the queue, and a fleet its circuit breaker paused resumes. */
export async function retryFailed(args: RetryFailedArgs, io: CliIo): Promise<number> {
  return withFleet(args, async (fleet) => {
    const pausedBecause = await fleet.pausedBecause();
    const retried = await fleet.retryFailed();
    io.stdout.write(
      `${plural(retried, 'failed partition')} back in the queue${pausedBecause ? `; the fleet resumes (paused: ${pausedBecause})` : ''}\n`,
    );
    return ExitCode.ok;
  });
}
