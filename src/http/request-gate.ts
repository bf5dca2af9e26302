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
 * After a pause one request goes first; the others follow only if it is not pushed back, so one 429
 * does not become one per request in flight.
 */
export interface RequestGate {
  /** Holds back every request until `ms` from now (the longest pause wins), then lets one probe first. */
  pauseFor(ms: number): void;
  /** Resolves when the request identified by `ticket` (any object unique to it) may start. */
  beforeRequest(ticket: object, signal?: AbortSignal): Promise<void>;
  /** Reports that the request of `ticket` got an answer (or an error); `pushbackMs` when it was told to wait. */
  answered(ticket: object, pushbackMs?: number): void;
  /** Resolves when `bytes` more fit in the bandwidth. */
  afterBody(bytes: number, signal?: AbortSignal): Promise<void>;
}

export function createRequestGate({ ratePerSecond, bytesPerSecond, now = Date.now }: RequestGateOptions = {}): RequestGate {
  let pausedUntil = 0;
  let probeNeeded = false;
  let probe: { ticket: object; done: Promise<void>; release: () => void } | undefined;
  let nextRequestAt = 0;
  let bandwidthFreeAt = 0;
  const waitUntil = async (time: number, signal?: AbortSignal) => {
    const ms = time - now();
    if (ms > 0) await sleep(ms, undefined, { signal });
  };
  const gate: RequestGate = {
    pauseFor(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
      probeNeeded = true;
    },
    async beforeRequest(ticket, signal) {
      for (;;) {
        if (pausedUntil > now()) await waitUntil(pausedUntil, signal);
        else if (probe && probe.ticket !== ticket) await probe.done;
        else break;
      }
      if (probeNeeded && !probe) {
        probeNeeded = false;
        const { promise, resolve } = Promise.withResolvers<void>();
        probe = { ticket, done: promise, release: resolve };
      }
      if (!ratePerSecond) return;
      const startAt = Math.max(now(), nextRequestAt);
      nextRequestAt = startAt + 1000 / ratePerSecond;
      try {
        await waitUntil(startAt, signal);
      } catch (error) {
        gate.answered(ticket);
        throw error;
      }
    },
    answered(ticket, pushbackMs) {
      if (pushbackMs !== undefined) gate.pauseFor(pushbackMs);
      if (probe?.ticket !== ticket) return;
      const { release } = probe;
      probe = undefined;
      release();
    },
    async afterBody(bytes, signal) {
      if (!bytesPerSecond) return;
      bandwidthFreeAt = Math.max(now(), bandwidthFreeAt) + (bytes * 1000) / bytesPerSecond;
      await waitUntil(bandwidthFreeAt, signal);
    },
  };
  return gate;
}
