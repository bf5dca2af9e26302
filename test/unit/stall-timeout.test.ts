import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, of, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUrls, fetchFrames, type PipelineItem } from '../../src/index.ts';
import { fakeJpeg } from '../support/jpeg.ts';

const body = fakeJpeg('stalls', { padding: 50_000 });
let server: Server;
let baseUrl: string;
let requests = 0;

beforeAll(async () => {
  // sends the headers and half the body, then nothing: the connection stays open
  server = createServer((_request, response) => {
    requests += 1;
    response.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': String(body.length) });
    response.write(body.subarray(0, body.length >> 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('a body that stalls mid-way', () => {
  it('is aborted by the idle timeout and retried, then fails', async () => {
    const started = Date.now();
    const [result] = await lastValueFrom(
      of<PipelineItem>({
        kind: 'frame',
        frame: { terminal: 'apm', stream: 'in_gate', capturedAt: '2025-09-06T10:00:00', date: '2025-09-06' },
      }).pipe(buildUrls({ baseUrl }), fetchFrames({ timeoutMs: 200, retries: 1, retryDelayMs: 1, thumbnailFallback: false }), toArray()),
    );
    expect(result).toMatchObject({
      kind: 'failed',
      stage: 'fetch',
      attempts: 2,
      error: expect.stringMatching(/ECONNABORTED|stalled mid-body/),
    });
    expect(requests).toBe(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
