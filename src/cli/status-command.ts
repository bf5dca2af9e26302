import type { Argv } from 'yargs';
import { withoutPassword } from '../catalog/catalog-location.ts';
import type { FleetStatus } from '../fleet/fleet-queue.ts';
import { formatBytes, formatDuration, formatTable } from '../report/format.ts';
import { ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import type { LogOptions } from './logger.ts';
import { jsonOption } from './option-groups.ts';
import { queueOptions, withFleet } from './queue-options.ts';

export function statusOptions<T>(yargs: Argv<T>) {
  return jsonOption(queueOptions(yargs), 'the status');
}

type StatusArgs = Awaited<ReturnType<typeof statusOptions>['argv']> & LogOptions;

function formatStatus(queue: string, fleet: string, status: FleetStatus): string {
  const { partitions } = status;
  const eta = status.etaSeconds === null ? 'unknown' : formatDuration(status.etaSeconds * 1000);
  const lines = [
    `fleet ${fleet} at ${withoutPassword(queue)}${status.pausedBecause ? `: PAUSED (${status.pausedBecause}); draydog retry-failed resumes it` : ''}`,
    `partitions: ${partitions.waiting} waiting, ${partitions.retrying} retrying, ${partitions.active} active, ${partitions.done} done, ${partitions.failed} failed`,
    `frames done: ${status.frames} (${formatBytes(status.bytes)}), ${status.framesPerSecond.toFixed(1)} frames/s over the last minute, ETA ${eta}`,
  ];
  if (status.workers.length > 0)
    lines.push(
      formatTable([
        ['worker', 'frames/s', 'last seen', 'partitions'],
        ...status.workers.map(({ worker, framesPerSecond, secondsSinceSeen, gone, partitions }) => [
          worker,
          framesPerSecond.toFixed(1),
          `${formatDuration(secondsSinceSeen * 1000)} ago${gone ? ' (gone)' : ''}`,
          partitions.join(' ') || '-',
        ]),
      ]),
    );
  if (status.failed.length > 0)
    lines.push(
      formatTable([
        ['failed partition', 'attempts', 'reason'],
        ...status.failed.map(({ partition, attempts, reason }) => [partition, String(attempts), reason]),
      ]),
    );
  return lines.join('\n');
}

/** `draydog status`: where the fleet is, as text or one JSON document on stdout. */
export async function status(args: StatusArgs, io: CliIo): Promise<number> {
  return withFleet(args, async (fleet) => {
    const current = await fleet.status();
    io.stdout.write(
      args.json ? `${JSON.stringify({ fleet: args.fleet, ...current })}\n` : `${formatStatus(args.queue, args.fleet, current)}\n`,
    );
    return ExitCode.ok;
  });
}
