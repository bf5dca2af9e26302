import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { buildUrls, createHttpClient, fetchFrames, frameUrls, type FrameRef, type PipelineItem } from '../../src/index.ts';
import { CDN, useFakeCdn } from '../support/fake-cdn.ts';

const cdn = useFakeCdn();
const frame = (capturedAt: string): FrameRef => ({ terminal: 'apm', stream: 'in_gate', capturedAt, date: capturedAt.slice(0, 10) });
const pathOf = (url: string) => new URL(url).pathname;
const urls = frameUrls(frame('2025-09-06T10:00:00'), CDN);
const full = pathOf(urls.full);
const thumbnail = pathOf(urls.thumbnail);
const fast = { retries: 3, retryDelayMs: 5, timeoutMs: 2000 };

async function fetchOne(options = {}, capturedAt = '2025-09-06T10:00:00'): Promise<PipelineItem> {
  const [result] = await lastValueFrom(
    of<PipelineItem>({ kind: 'frame', frame: frame(capturedAt) }).pipe(
      buildUrls({ baseUrl: CDN }),
      fetchFrames({ ...fast, ...options }),
      toArray(),
    ),
  );
  return result;
}

describe('fetchFrames', () => {
  it('fetches a full-size frame', async () => {
    const body = cdn.serve(full);
    const result = await fetchOne();
    expect(result).toMatchObject({ kind: 'fetched', variant: 'full', url: urls.full, attempts: 1 });
    expect(result.kind === 'fetched' && result.body.equals(body)).toBe(true);
  });

  it.each([
    ['500', { kind: 'status', status: 500 }],
    ['503', { kind: 'status', status: 503 }],
    ['429', { kind: 'status', status: 429 }],
    ['408', { kind: 'status', status: 408 }],
    ['a connection reset', { kind: 'reset' }],
    ['a truncated body', { kind: 'truncated' }],
  ] as const)('retries after %s and succeeds', async (_name, fault) => {
    cdn.serve(full);
    cdn.fail(full, fault, fault);
    expect(await fetchOne()).toMatchObject({ kind: 'fetched', variant: 'full', attempts: 3 });
    expect(cdn.requests(full)).toBe(3);
  });

  it('retries a timeout', async () => {
    cdn.serve(full);
    cdn.fail(full, { kind: 'slow', ms: 400 });
    expect(await fetchOne({ timeoutMs: 100 })).toMatchObject({ kind: 'fetched', attempts: 2 });
  });

  it('gives up after the retries with the error and the attempts', async () => {
    cdn.serve(full);
    cdn.fail(full, ...Array.from({ length: 5 }, () => ({ kind: 'status', status: 503 }) as const));
    expect(await fetchOne({ retries: 2 })).toEqual({
      kind: 'failed',
      stage: 'fetch',
      frame: frame('2025-09-06T10:00:00'),
      url: urls.full,
      error: 'HTTP 503',
      attempts: 3,
    });
    expect(cdn.requests(full)).toBe(3);
    expect(cdn.requests(thumbnail)).toBe(0);
  });

  it('does not retry a 403', async () => {
    cdn.fail(full, { kind: 'status', status: 403 });
    expect(await fetchOne()).toMatchObject({ kind: 'failed', error: 'HTTP 403', attempts: 1 });
  });

  it('reports a body that stays truncated', async () => {
    cdn.serve(full);
    cdn.fail(full, { kind: 'truncated' }, { kind: 'truncated' });
    expect(await fetchOne({ retries: 1 })).toMatchObject({ kind: 'failed', attempts: 2 });
  });

  it('honours Retry-After on 429 over its own shorter backoff', async () => {
    cdn.serve(full);
    cdn.fail(full, { kind: 'status', status: 429, retryAfter: '1' });
    expect(await fetchOne()).toMatchObject({ kind: 'fetched', attempts: 2 });
    const [first, second] = cdn.requestTimes(full);
    expect(second - first).toBeGreaterThanOrEqual(990);
  });

  it('caps a hostile Retry-After', async () => {
    cdn.serve(full);
    cdn.fail(full, { kind: 'status', status: 503, retryAfter: '86400' });
    expect(await fetchOne({ maxRetryAfterMs: 50 })).toMatchObject({ kind: 'fetched', attempts: 2 });
  });

  it('falls back to the thumbnail when the full-size frame is 404', async () => {
    const body = cdn.serve(thumbnail);
    const result = await fetchOne();
    expect(result).toMatchObject({ kind: 'fetched', variant: 'thumbnail', url: urls.thumbnail });
    expect(result.kind === 'fetched' && result.body.equals(body)).toBe(true);
    expect([cdn.requests(full), cdn.requests(thumbnail)]).toEqual([1, 1]);
  });

  it('does not fall back when told not to', async () => {
    cdn.serve(thumbnail);
    expect(await fetchOne({ thumbnailFallback: false })).toMatchObject({ kind: 'notFound', urls: [urls.full] });
    expect(cdn.requests(thumbnail)).toBe(0);
  });

  it('treats an HTML page served with 200 as missing, never as an image', async () => {
    cdn.softNotFoundForMissing(true);
    expect(await fetchOne()).toEqual({
      kind: 'notFound',
      frame: frame('2025-09-06T10:00:00'),
      urls: [urls.full, urls.thumbnail],
      attempts: 2,
    });
  });

  it('answers 404 without retrying', async () => {
    expect(await fetchOne()).toMatchObject({ kind: 'notFound', attempts: 2 });
    expect(cdn.totalRequests()).toBe(2);
  });

  it('retries a 200 whose body is not a JPEG', async () => {
    cdn.serve(full, Buffer.from('GIF89a not a jpeg'));
    expect(await fetchOne({ retries: 1 })).toMatchObject({ kind: 'failed', error: 'not a JPEG: no SOI marker', attempts: 2 });
  });

  it('never has more requests in flight than its concurrency', async () => {
    const cdnWithLatency = Array.from({ length: 24 }, (_, index) => frame(`2025-09-06T10:${String(index).padStart(2, '0')}:00`));
    for (const each of cdnWithLatency) {
      cdn.serve(pathOf(frameUrls(each, CDN).full));
      cdn.fail(pathOf(frameUrls(each, CDN).full), { kind: 'slow', ms: 20 });
    }
    const items = cdnWithLatency.map((each): PipelineItem => ({ kind: 'frame', frame: each }));
    const results = await lastValueFrom(
      of(...items).pipe(buildUrls({ baseUrl: CDN }), fetchFrames({ ...fast, concurrency: 3 }), toArray()),
    );
    expect(results.filter(({ kind }) => kind === 'fetched')).toHaveLength(24);
    expect(cdn.peakInFlight()).toBe(3);
  });

  it('uses an injected axios instance', async () => {
    cdn.serve(full);
    const http = createHttpClient({ retries: 0 });
    let seen = 0;
    http.interceptors.request.use((config) => {
      seen += 1;
      return config;
    });
    expect(await fetchOne({ http })).toMatchObject({ kind: 'fetched' });
    expect(seen).toBe(1);
  });

  it.each([
    [{ concurrency: 0 }, 'invalid concurrency "0"'],
    [{ concurrency: 1000 }, 'invalid concurrency "1000"'],
    [{ retries: -1 }, 'invalid retries "-1"'],
  ])('rejects %j', (options, message) => {
    expect(() => fetchFrames(options)).toThrow(message);
  });
});
