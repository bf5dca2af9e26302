import { once } from 'node:events';
import type { Argv } from 'yargs';
import { DEFAULT_SIMULATOR_OPTIONS, startSimulator } from '../simulator/index.ts';
import { HISTORY_SHAPES } from '../simulator/options.ts';
import { ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { commaList, wholeNumber } from './options.ts';
import { MAX_TIMER_MS } from '../settings.ts';

const defaults = DEFAULT_SIMULATOR_OPTIONS;

export function simulateOptions<T>(yargs: Argv<T>) {
  return (
    yargs
      .option('port', { coerce: wholeNumber('--port', 0, 65_535), default: defaults.port, describe: '0 picks a free port' })
      .option('host', { type: 'string', default: defaults.host, describe: 'Address to listen on' })
      .option('seed', { coerce: wholeNumber('--seed', 0), default: defaults.seed, describe: 'Decides frames, times, bytes and faults' })
      .option('terminal', { type: 'string', default: defaults.terminal, describe: 'Terminal the simulated camera belongs to' })
      .option('streams', {
        type: 'string',
        coerce: commaList,
        default: defaults.streams.join(','),
        describe: 'Comma-separated streams it serves',
      })
      .option('timing', {
        choices: ['grid', 'irregular'] as const,
        default: defaults.timing,
        describe: 'Exact 10-minute marks, or irregular like the real camera',
      })
      .option('missing', { type: 'number', default: defaults.missing, describe: 'Share of 10-minute slots without a frame' })
      .option('thumbnail-only', {
        type: 'number',
        default: defaults.thumbnailOnly,
        describe: 'Share of frames that exist only as a thumbnail',
      })
      .option('faults', {
        choices: ['none', 'mild', 'harsh'] as const,
        default: defaults.faults,
        describe: 'Errors, 429s with Retry-After, truncated and slow bodies on some requests',
      })
      .option('latency-ms', {
        coerce: wholeNumber('--latency-ms', 0, MAX_TIMER_MS),
        default: defaults.latencyMs,
        describe: 'Fixed delay before every answer',
      })
      .option('frame-size', {
        choices: ['full', 'small'] as const,
        default: defaults.frameSize,
        describe: 'full: ~90-140 KB 1200x675 JPEGs; small: a few KB',
      })
      // the shape of the history page (Vue 2 + Element UI), for discovery
      .option('history', {
        choices: HISTORY_SHAPES,
        default: defaults.history,
        describe:
          'How the history page lists a day: all at once, 24 at a time on scroll (in a box or the page), a pager, or a "Load more" button',
      })
      .option('picker', {
        choices: ['editable', 'readonly'] as const,
        default: defaults.picker,
        describe: 'readonly: the day is chosen in the calendar panel only',
      })
      .option('date-format', {
        type: 'string',
        default: defaults.dateFormat,
        describe: 'How the day picker shows the day, in Element UI tokens (e.g. "MMM d, yyyy")',
      })
      .option('api-host', {
        choices: ['same', 'separate'] as const,
        default: defaults.apiHost,
        describe: 'separate: the page calls its API on another port (another origin)',
      })
      .option('api-shape', {
        choices: ['urls', 'times'] as const,
        default: defaults.apiShape,
        describe: 'times: the day list carries capture times, the page builds the URLs',
      })
      .option('first-answer-delay-ms', {
        coerce: wholeNumber('--first-answer-delay-ms', 0, MAX_TIMER_MS),
        default: defaults.firstAnswerDelayMs,
        describe: 'The page waits this long before asking for its first day list',
      })
      .option('break-after-pages', {
        coerce: wholeNumber('--break-after-pages', 0),
        default: defaults.breakAfterPages,
        describe: 'Pages of the day list after N answer HTTP 500 (0: never)',
      })
  );
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
    history: args.history,
    picker: args.picker,
    dateFormat: args.dateFormat,
    apiHost: args.apiHost,
    apiShape: args.apiShape,
    firstAnswerDelayMs: args.firstAnswerDelayMs,
    breakAfterPages: args.breakAfterPages,
  });
  io.stdout.write(`${simulator.url}\n`);
  const logger = createLogger(io, args);
  logger.info(
    { url: simulator.url, apiUrl: simulator.apiUrl, timing: args.timing, faults: args.faults, seed: args.seed, history: args.history },
    'camera simulator listening',
  );
  const stopped = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  logger.info({ signal: stopped[0], requests: simulator.stats().totalRequests }, 'camera simulator stopping');
  await simulator.close();
  return ExitCode.ok;
}
