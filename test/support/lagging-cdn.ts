import { parseTimestamp } from '../../src/frame/time.ts';
import { startProxyCdn } from './proxy-cdn.ts';

export interface LaggingCdn {
  readonly url: string;
  /** While true every request gets a 503. */
  down: boolean;
  /** Frame requests answered so far (503s included). */
  requests: number;
  close(): Promise<void>;
}

/**
 * A proxy in front of a simulator that acts like a camera uploading late: a frame captured less than
 * `lagMs` before `now()` answers 404, as if it were not uploaded yet. `down` makes it answer 503.
 */
export async function startLaggingCdn(upstream: string, now: () => number, lagMs: number): Promise<LaggingCdn> {
  const state = { down: false, requests: 0 };
  const proxy = await startProxyCdn(upstream, (path) => {
    state.requests += 1;
    if (state.down) return 503;
    const capturedAt = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})-/.exec(path)?.[1];
    return capturedAt && parseTimestamp(capturedAt) > now() - lagMs ? 404 : undefined;
  });
  return Object.assign(state, proxy);
}
