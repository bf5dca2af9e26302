import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, of, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUrls, fetchFrames, type FetchFramesOptions, type PipelineItem } from '../../src/index.ts';

// A real loopback server whose bodies never end on their own: what matters happens on sockets.
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);
/** Bytes each route wrote before the client hung up, and requests per route. */
const written: Record<string, number> = {};
const requests: Record<string, number> = {};

/** Writes chunks as fast as the socket takes them, up to `limit` bytes, then holds the connection open. */
function pour(response: ServerResponse, route: string, limit: number): void {
  const next = () => {
    while ((written[route] ?? 0) < limit && !response.destroyed) {
      written[route] = (written[route] ?? 0) + CHUNK.length;
      if (!response.write(CHUNK)) return void response.once('drain', next);
    }
  };
  next();
}

const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
  // 2 GiB announced; 3 MB sent, then silence
  '/declared-huge': (_request, response) => {
    response.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': String(2 ** 31) });
    pour(response, '/declared-huge', 3 * 1024 ** 2);
  },
  // no length announced, 3 MB sent, then silence
  '/endless': (_request, response) => {
    response.writeHead(200, { 'Content-Type': 'image/jpeg' });
    pour(response, '/endless', 3 * 1024 ** 2);
  },
  // one byte every 150 ms, for ever: never silent for as long as the timeout
  '/trickle': (_request, response) => {
    response.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': '100000' });
    const drip = setInterval(() => response.write('x'), 150);
    response.on('close', () => clearInterval(drip));
  },
};

let server: Server;
let baseUrl: string;
beforeAll(async () => {
  server = createServer((request, response) => {
    const route = `/${request.url!.split('/')[1]}`;
    requests[route] = (requests[route] ?? 0) + 1;
    routes[route](request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Fetches one frame with `<server>/<route>` as the base URL. */
async function fetchFrom(route: string, options: FetchFramesOptions) {
  const [result] = await lastValueFrom(
    of<PipelineItem>({
      kind: 'frame',
      frame: { terminal: 'apm', stream: 'in_gate', capturedAt: '2025-09-06T10:00:00', date: '2025-09-06' },
    }).pipe(
      buildUrls({ baseUrl: `${baseUrl}${route}` }),
      fetchFrames({ retries: 2, retryDelayMs: 1, thumbnailFallback: false, ...options }),
      toArray(),
    ),
  );
  return result;
}

describe('a body over --max-frame-size', () => {
  it('is refused at its Content-Length, before the body is read, and not retried', async () => {
    const result = await fetchFrom('/declared-huge', { timeoutMs: 2000, maxFrameBytes: 100_000 });

    expect(result).toMatchObject({
      kind: 'failed',
      stage: 'fetch',
      attempts: 1,
      error: expect.stringContaining('Content-Length 2147483648'),
    });
    expect(result.kind === 'failed' && result.error).toMatch(/^ERR_BODY_TOO_LARGE: body larger than the 100000 bytes allowed/);
    expect(requests['/declared-huge']).toBe(1);
  });

  it('without a Content-Length, is cut off as soon as the bytes received pass it, and not retried', async () => {
    const result = await fetchFrom('/endless', { timeoutMs: 2000, maxFrameBytes: 100_000 });

    expect(result).toMatchObject({
      kind: 'failed',
      attempts: 1,
      error: expect.stringMatching(/^ERR_BODY_TOO_LARGE: body larger than the 100000 bytes allowed \(\d+ bytes received\)/),
    });
    expect(requests['/endless']).toBe(1);
  });
});

describe('a body that trickles in (never silent for --timeout)', () => {
  it('ends when it brings fewer than --min-speed bytes per second', async () => {
    const result = await fetchFrom('/trickle', { timeoutMs: 400, retries: 0 });

    expect(result).toMatchObject({
      kind: 'failed',
      attempts: 1,
      error: expect.stringMatching(/^ECONNABORTED: body too slow: \d bytes in 400ms, under the minimum of 1024 bytes\/s/),
    });
  });

  it('ends at the whole-request deadline when no minimum speed is set', async () => {
    const result = await fetchFrom('/trickle', { timeoutMs: 400, retries: 1, minBytesPerSecond: 0, requestDeadlineMs: 1000 });

    expect(result).toMatchObject({ kind: 'failed', attempts: 2, error: 'ECONNABORTED: request not done within its deadline of 1000ms' });
  });
});
