import type { Writable } from 'node:stream';

/** Where a command writes: stdout carries data only, stderr carries logs, progress and summaries. */
export interface CliIo {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

export function isInteractive(io: CliIo): boolean {
  return Boolean(io.stderr.isTTY) && !io.env.CI;
}
