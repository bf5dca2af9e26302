import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadPartition, frameUrls, InputError, partitionId, partitionsOf, type FrameRef } from '../../src/index.ts';
import { createRequestGate, type RequestGate } from '../../src/http/request-gate.ts';
import { CDN, useFakeCdn } from '../support/fake-cdn.ts';
import { useTempDir } from '../support/temp-dir.ts';

const cdn = useFakeCdn();
const tempDir = useTempDir();
const DATE = '2025-09-06';
const fast = { retries: 1, retryDelayMs: 2, timeoutMs: 2000, baseUrl: CDN };

/** The full-size path of every 10-minute slot of `DATE` on `stream`. */
const slotPaths = (stream: string) =>
  Array.from({ length: 144 }, (_, slot) => {
    const time = `${String(Math.floor(slot / 6)).padStart(2, '0')}:${slot % 6}0:00`;
    const frame: FrameRef = { terminal: 'apm', stream, capturedAt: `${DATE}T${time}`, date: DATE };
    return new URL(frameUrls(frame, CDN).full).pathname;
  });

/** A gate that lets everything through and counts the requests that asked it. */
function countingGate(): RequestGate & { asked: number } {
  const gate = createRequestGate();
  const counting = {
    asked: 0,
    pauseFor: gate.pauseFor,
    answered: gate.answered,
    afterBody: gate.afterBody,
    beforeRequest(ticket: object, signal?: AbortSignal) {
      counting.asked += 1;
      return gate.beforeRequest(ticket, signal);
    },
  };
  return counting;
}

describe('partitions', () => {
  it('are the (date, stream) pairs of a range, with ids that are the same each time and hold no colon', () => {
    const partitions = partitionsOf({ from: '2025-09-30', to: '2025-10-01', streams: ['in_gate', 'out_gate'], terminal: 'apm' });
    expect(partitions.map(partitionId)).toEqual([
      'apm/2025-09-30/in_gate',
      'apm/2025-09-30/out_gate',
      'apm/2025-10-01/in_gate',
      'apm/2025-10-01/out_gate',
    ]);
    expect(partitionId({ terminal: 'a/b:c', date: DATE, stream: 'x' })).toBe('a%2Fb%3Ac/2025-09-06/x');
    expect(partitionsOf({ from: DATE, streams: ['in_gate'], terminal: 'apm', discover: { pageUrl: 'http://page' } })).toEqual([
      { terminal: 'apm', date: DATE, stream: 'in_gate', discover: { pageUrl: 'http://page' } },
    ]);
    expect(() => partitionsOf({ from: '2025-02-30', streams: ['in_gate'], terminal: 'apm' })).toThrow(InputError);
  });
});

describe('downloadPartition, the job handler', () => {
  const partition = { terminal: 'apm', date: DATE, stream: 'in_gate' };
  const archive = () => {
    const root = tempDir();
    return { out: join(root, 'images'), dbPath: join(root, 'catalog.sqlite') };
  };

  it('downloads one stream of one date through the gate it is given, and says it is done', async () => {
    for (const path of slotPaths('in_gate')) cdn.serve(path);
    const gate = countingGate();
    const outcome = await downloadPartition(partition, { ...fast, ...archive(), gate });
    expect(outcome.kind).toBe('done');
    expect(outcome.report.stats).toMatchObject({ requested: 144, downloaded: 144, failed: 0 });
    expect(gate.asked).toBe(cdn.totalRequests());
    expect(cdn.totalRequests()).toBe(144);
  });

  it('fails, with the reason, when frames failed after their retries', async () => {
    const paths = slotPaths('in_gate');
    for (const path of paths) cdn.serve(path);
    cdn.fail(paths[7], { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const outcome = await downloadPartition(partition, { ...fast, ...archive() });
    expect(outcome).toMatchObject({ kind: 'failed', reason: '1 of 144 frames failed, e.g. HTTP 500' });
  });

  it('is stopped when the run stopped itself (the circuit breaker), and unfinished when its signal stopped it', async () => {
    const paths = slotPaths('in_gate');
    for (const path of paths) cdn.fail(path, { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const stopped = await downloadPartition(partition, { ...fast, ...archive(), concurrency: 1, maxConsecutiveFailures: 3 });
    expect(stopped).toMatchObject({ kind: 'stopped', reason: expect.stringContaining('stopped after 3 frames in a row failed') });
    const unfinished = await downloadPartition(partition, { ...fast, ...archive(), signal: AbortSignal.abort() });
    expect(unfinished.kind).toBe('unfinished');
  });
});
