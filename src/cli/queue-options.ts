import type { Argv } from 'yargs';
import { InputError } from '../errors.ts';

/** `--queue` and `--fleet`: the Redis that holds a fleet's partitions, and which fleet. */
export function queueOptions<T>(yargs: Argv<T>) {
  return optionalQueueOptions(yargs).demandOption('queue');
}

/** `--queue` and `--fleet` for a command that may also run without a fleet. */
export function optionalQueueOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('queue', {
      type: 'string',
      describe: "The fleet's Redis: redis://[user:password@]host:port[/db] (rediss:// for TLS)",
    })
    .option('fleet', {
      type: 'string',
      default: 'draydog',
      coerce: fleetName,
      describe: 'Name of the fleet (its BullMQ queue): fleets on one Redis keep apart by name',
    });
}

/** BullMQ refuses a queue name with a colon. */
function fleetName(name: string): string {
  if (!name || name.includes(':')) throw new InputError(`invalid --fleet "${name}": a name without ":"`);
  return name;
}
