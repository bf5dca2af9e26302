import { once } from 'node:events';
import type { Argv } from 'yargs';
import { DEFAULT_SIMULATOR_OPTIONS, startSimulator } from '../simulator/index.ts';
import { ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { commaList, wholeNumber } from './options.ts';
import { MAX_TIMER_MS } from '../timer-limit.ts';

const defaults = DEFAULT_SIMULATOR_OPTIONS;

export function simulateOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('port', { coerce: wholeNumber('--port', 0, 65_535), default: defaults.port, describe: '0 picks a free port' })
    .option('host', { type: 'string', default: defaults.host, describe: 'Address to listen on' })
    .option('seed', { coerce: wholeNumber('--seed', 0), default: defaults.seed, describe: 'Decides frames, times, bytes and faults' })
    .option('terminal', { type: 'string', default: defaults.terminal, describe: 'Terminal the simulated camera belongs to' })
    .option('streams', { type: 'string', coerce: commaList, default: defaults.streams.join(','), describe: 'Comma-separated streams it serves' })
    .option('timing', { choices: ['grid', 'irregular'] as const, default: defaults.timing, describe: 'Exact 10-minute marks, or irregular like the real camera' })
    .option('missing', { type: 'number', default: defaults.missing, describe: 'Share of 10-minute slots without a frame' })
    .option('thumbnail-only', { type: 'number', default: defaults.thumbnailOnly, describe: 'Share of frames that exist only as a thumbnail' })
    .option('faults', { choices: ['none', 'mild', 'harsh'] as const, default: defaults.faults, describe: 'Errors, 429s with Retry-After, truncated and slow bodies on some requests' })
    .option('latency-ms', { coerce: wholeNumber('--latency-ms', 0, MAX_TIMER_MS), default: defaults.latencyMs, describe: 'Fixed delay before every answer' })
    .option('frame-size', { choices: ['full', 'small'] as const, default: defaults.frameSize, describe: 'full: ~90-140 KB 1200x675 JPEGs; small: a few KB' });
}

type SimulateArgs = Awaited<ReturnType<typeof simulateOptions>['argv']> & LogOptions;

/** `draydog simulate`: serves until SIGINT or SIGTERM; its URL is the first line on stdout. */
export async function simulate(args: SimulateArgs, io: CliIo): Promise<number> {
  const simulator = await startSimulator({
    port: args.port,
    host: args.host,
    seed: args.seed,
    terminal: args.terminal,
    streams: args.streams,
    timing: args.timing,
    missing: args.missing,
    thumbnailOnly: args.thumbnailOnly,
    faults: args.faults,
    latencyMs: args.latencyMs,
    frameSize: args.frameSize,
  });
  io.stdout.write(`${simulator.url}\n`);
  const logger = createLogger(io, args);
  logger.info({ url: simulator.url, timing: args.timing, faults: args.faults, seed: args.seed }, 'camera simulator listening');
  const stopped = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  logger.info({ signal: stopped[0], requests: simulator.stats().totalRequests }, 'camera simulator stopping');
  await simulator.close();
  return ExitCode.ok;
}
