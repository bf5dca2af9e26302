import { delay, http, HttpResponse } from 'msw';
import { defineNetwork, InterceptorSource } from 'msw/experimental';
import { HttpRequestInterceptor } from '@mswjs/interceptors/http';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { fakeJpeg } from './jpeg.ts';

export const CDN = 'https://cdn.test';

/** What one request to a path gets, in order; once the list is used up the path answers normally. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'reset' }
  | { kind: 'truncated' }
  | { kind: 'softNotFound' }
  | { kind: 'slow'; ms: number };

export interface FakeCdn {
  /** Serves a JPEG at `path` (e.g. `/apm/2025-09-01/0/2025-09-01T00:00:00-in_gate.jpeg`); returns its bytes. */
  serve(path: string, body?: Buffer): Buffer;
  /** Makes the next requests to `path` fail like this, one fault per request. */
  fail(path: string, ...faults: Fault[]): void;
  /** Soft 404 for every path not served: an HTML page with 200. */
  softNotFoundForMissing(on: boolean): void;
  /** Called with the path of every request as it arrives. */
  onRequest(listener: (path: string) => void): void;
  requests(path: string): number;
  requestTimes(path: string): number[];
  totalRequests(): number;
  peakInFlight(): number;
  reset(): void;
}

/** Half the body, then the connection breaks: what a client sees when a server dies mid-body. */
function cutShort(body: Buffer): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array(body.subarray(0, body.length >> 1)));
      setTimeout(() => controller.error(new Error('connection reset')), 5);
    },
  });
}

/** An msw-mocked CDN, started before and stopped after the tests of the file that calls it. */
export function useFakeCdn({ latencyMs = 0 } = {}): FakeCdn {
  const bodies = new Map<string, Buffer>();
  const faults = new Map<string, Fault[]>();
  const times = new Map<string, number[]>();
  let softNotFound = false;
  let listener: ((path: string) => void) | undefined;
  let inFlight = 0;
  let peak = 0;

  const answer = async (path: string): Promise<Response> => {
    const fault = faults.get(path)?.shift();
    const body = bodies.get(path);
    if (fault?.kind === 'status') {
      return new HttpResponse('busy', { status: fault.status, headers: fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {} });
    }
    if (fault?.kind === 'reset') return HttpResponse.error();
    if (fault?.kind === 'slow') await delay(fault.ms);
    if (fault?.kind === 'softNotFound' || (!body && softNotFound)) {
      return new HttpResponse('<html><body>Not here</body></html>', { status: 200, headers: { 'Content-Type': 'text/html' } });
    }
    if (!body) return new HttpResponse('not found', { status: 404 });
    return new HttpResponse(fault?.kind === 'truncated' ? cutShort(body) : new Uint8Array(body), {
      status: 200,
      headers: { 'Content-Type': 'image/jpeg', 'Content-Length': String(body.length) },
    });
  };

  // msw's default Node interceptors patch `http.request` and `fetch`; undici (draydog's transport)
  // opens its own sockets, which only the socket-level HTTP interceptor sees.
  const network = defineNetwork({
    sources: [new InterceptorSource({ interceptors: [new HttpRequestInterceptor()] })],
    onUnhandledFrame: 'error',
    context: { quiet: true },
    handlers: [
      http.get(`${CDN}/*`, async ({ request }) => {
        const path = decodeURIComponent(new URL(request.url).pathname);
        times.set(path, [...(times.get(path) ?? []), Date.now()]);
        listener?.(path);
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        try {
          if (latencyMs > 0) await delay(latencyMs);
          return await answer(path);
        } finally {
          inFlight -= 1;
        }
      }),
    ],
  });
  beforeAll(() => network.enable());
  afterEach(() => cdn.reset());
  afterAll(() => network.disable());

  const cdn: FakeCdn = {
    serve(path, body = fakeJpeg(path)) {
      bodies.set(path, body);
      return body;
    },
    fail(path, ...more) {
      faults.set(path, [...(faults.get(path) ?? []), ...more]);
    },
    softNotFoundForMissing(on) {
      softNotFound = on;
    },
    onRequest(next) {
      listener = next;
    },
    requests: (path) => times.get(path)?.length ?? 0,
    requestTimes: (path) => times.get(path) ?? [],
    totalRequests: () => [...times.values()].reduce((sum, list) => sum + list.length, 0),
    peakInFlight: () => peak,
    reset() {
      bodies.clear();
      faults.clear();
      times.clear();
      softNotFound = false;
      listener = undefined;
      peak = 0;
    },
  };
  return cdn;
}
