import type { Argv } from 'yargs';
import type { Redis } from 'ioredis';
import type { FleetQueue } from '../fleet/fleet-queue.ts';
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

/**
 * Runs `use` with the fleet's queue and its Redis connection, closed afterwards. BullMQ and ioredis are
 * imported here, on demand: a chunk of their own in the command line's bundle, which a download never loads.
 */
export async function withFleet<T>(
  { queue, fleet }: { readonly queue: string; readonly fleet: string },
  use: (fleetQueue: FleetQueue, redis: Redis) => Promise<T>,
): Promise<T> {
  const [{ connectQueue }, { FleetQueue }] = await Promise.all([import('../fleet/queue-connection.ts'), import('../fleet/fleet-queue.ts')]);
  const redis = await connectQueue(queue);
  const fleetQueue = new FleetQueue(redis, fleet);
  try {
    return await use(fleetQueue, redis);
  } finally {
    await fleetQueue.close();
    redis.disconnect();
  }
}
