import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { isInteractive, type CliIo } from './io.ts';

export interface LogOptions {
  readonly verbose?: boolean;
  readonly quiet?: boolean;
}

/** pino on stderr: pretty on a terminal, JSON lines otherwise. */
export function createLogger(io: CliIo, { verbose, quiet }: LogOptions = {}): Logger {
  const level = verbose ? 'debug' : quiet ? 'warn' : 'info';
  const destination = isInteractive(io) ? pretty({ destination: io.stderr, sync: true, ignore: 'pid,hostname' }) : io.stderr;
  return pino({ name: 'draydog', level, base: undefined }, destination);
}
