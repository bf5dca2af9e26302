import { setTimeout as sleep } from 'node:timers/promises';

export interface RequestGateOptions {
  /** Requests started per second at most, evenly spaced. */
  readonly ratePerSecond?: number;
  /** Body bytes per second at most, averaged over the run. */
  readonly bytesPerSecond?: number;
  readonly now?: () => number;
}

/**
 * What every request to one host passes through: a host-wide pause (a server's Retry-After holds back
 * all requests, not only the one that got it), a request rate and a bandwidth limit.
 */
export interface RequestGate {
  /** Holds back every request until `ms` from now (the longest pause wins). */
  pauseFor(ms: number): void;
  /** Resolves when a request may start. */
  beforeRequest(signal?: AbortSignal): Promise<void>;
  /** Resolves when `bytes` more fit in the bandwidth. */
  afterBody(bytes: number, signal?: AbortSignal): Promise<void>;
}

export function createRequestGate({ ratePerSecond, bytesPerSecond, now = Date.now }: RequestGateOptions = {}): RequestGate {
  let pausedUntil = 0;
  let nextRequestAt = 0;
  let bandwidthFreeAt = 0;
  const waitUntil = async (time: number, signal?: AbortSignal) => {
    const ms = time - now();
    if (ms > 0) await sleep(ms, undefined, { signal });
  };
  return {
    pauseFor(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
    },
    async beforeRequest(signal) {
      while (pausedUntil > now()) await waitUntil(pausedUntil, signal);
      if (!ratePerSecond) return;
      const startAt = Math.max(now(), nextRequestAt);
      nextRequestAt = startAt + 1000 / ratePerSecond;
      await waitUntil(startAt, signal);
    },
    async afterBody(bytes, signal) {
      if (!bytesPerSecond) return;
      bandwidthFreeAt = Math.max(now(), bandwidthFreeAt) + (bytes * 1000) / bytesPerSecond;
      await waitUntil(bandwidthFreeAt, signal);
    },
  };
}
