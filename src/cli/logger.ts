import { accessSync, appendFileSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { Argv } from 'yargs';
import { InputError } from '../errors.ts';
import { isInteractive, type CliIo } from './io.ts';
import type { StatusLine } from './status-line.ts';

export interface LogOptions {
  /** `-v` is 1, `-vv` 2. */
  readonly verbose?: number;
  readonly quiet?: boolean;
  readonly logLevel?: Level;
  readonly logFile?: string;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const satisfies readonly Level[];

/** The logging options every command takes, as rclone names them. */
export function logOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('verbose', {
      type: 'count',
      alias: 'v',
      describe: 'More detail: -v logs debug lines (every retry), -vv trace lines too (every frame)',
    })
    .option('quiet', { type: 'boolean', alias: 'q', describe: 'Errors only: no progress bar, no summary' })
    .option('log-level', { choices: LOG_LEVELS, describe: 'Lowest level logged (wins over -v and -q)' })
    .option('log-file', { type: 'string', describe: 'Append the log lines (JSON) to FILE instead of stderr' });
}

export function logLevelOf({ verbose = 0, quiet, logLevel }: LogOptions): Level {
  if (logLevel) return logLevel;
  if (quiet) return 'error';
  return verbose >= 2 ? 'trace' : verbose === 1 ? 'debug' : 'info';
}

/** Whether the user asked for detail (a stack trace on an unexpected error), judged from the raw arguments. */
export function wantsDetail(argv: readonly string[]): boolean {
  return argv.some(
    (arg, index) =>
      /^-v+$|^--verbose$/.test(arg) ||
      (arg === '--log-level' && /^(debug|trace)$/.test(argv[index + 1] ?? '')) ||
      /^--log-level=(debug|trace)$/.test(arg),
  );
}

/** Appends to `path`, created by the first line: a run refused for bad input leaves no empty log behind. */
function appendingTo(path: string): DestinationStream {
  const existing = statSync(path, { throwIfNoEntry: false });
  const problem = existing
    ? existing.isFile()
      ? undefined
      : 'not a file'
    : statSync(dirname(path), { throwIfNoEntry: false })?.isDirectory()
      ? undefined
      : `${dirname(path)} is not a folder`;
  if (problem) throw new InputError(`invalid --log-file "${path}": ${problem}`);
  try {
    accessSync(existing ? path : dirname(path), constants.W_OK);
  } catch {
    throw new InputError(`invalid --log-file "${path}": not writable`);
  }
  return { write: (line: string) => appendFileSync(path, line) };
}

/**
 * pino: JSON lines on stderr, or appended to `--log-file`; on a terminal, readable lines instead,
 * printed above the status line (the progress bar) when there is one, so the bar never writes over them.
 */
export function createLogger(io: CliIo, options: LogOptions = {}, statusLine?: StatusLine): Logger {
  const settings = { name: 'draydog', level: logLevelOf(options), base: undefined };
  if (options.logFile) return pino(settings, appendingTo(options.logFile));
  if (!isInteractive(io)) return pino(settings, io.stderr);
  const pretty = prettyFactory({ ignore: 'pid,hostname' });
  return pino(settings, { write: (line: string) => (statusLine ? statusLine.print(pretty(line)) : io.stderr.write(pretty(line))) });
}
