import type { Logger } from 'pino';
import { removeActiveTemporaryFiles } from '../disk/frame-files.ts';
import { ExitCode } from './exit-codes.ts';

/** How long frames in flight may take to finish after the first Ctrl-C. */
const DRAIN_GRACE_MS = 5000;
/** After the second Ctrl-C, the longest wait for the catalog and report before the process exits anyway. */
const HARD_EXIT_AFTER_MS = 3000;

/** SIGHUP too: a closed terminal or a service manager's hang-up would otherwise kill the run mid-write. */
const DRAINING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface Interruption {
  /** Aborts on the first SIGINT, SIGTERM or SIGHUP: start nothing new. */
  readonly drain: AbortSignal;
  /** Aborts 5 s after the first signal, or at the second: cancel what is in flight. */
  readonly cancel: AbortSignal;
  /** Whether a second signal came: the user asked to stop at once. */
  forced(): boolean;
  /** Stops listening for the signals. */
  dispose(): void;
}

/**
 * The first Ctrl-C (or SIGTERM, or SIGHUP) drains, the second cancels what is in flight, removes the temporary
 * files being written and, should anything hang, exits with 130 after 3 s.
 */
export function listenForInterruption(logger: Logger, what: string): Interruption {
  const drain = new AbortController();
  const cancel = new AbortController();
  let signalsSeen = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signalsSeen += 1;
    if (signalsSeen === 1) {
      logger.warn(`${signal}: finishing ${what} in flight, then stopping (press Ctrl-C again to abort them)`);
      drain.abort();
      setTimeout(() => cancel.abort(), DRAIN_GRACE_MS).unref();
      return;
    }
    logger.warn(`${signal} again: aborting the frames in flight`);
    cancel.abort();
    removeActiveTemporaryFiles();
    setTimeout(() => process.exit(ExitCode.interrupted), HARD_EXIT_AFTER_MS).unref();
  };
  for (const signal of DRAINING_SIGNALS) process.on(signal, onSignal);
  return {
    drain: drain.signal,
    cancel: cancel.signal,
    forced: () => signalsSeen > 1,
    dispose() {
      for (const signal of DRAINING_SIGNALS) process.off(signal, onSignal);
    },
  };
}
