import { createHash } from 'node:crypto';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import {
  FAULT_KINDS,
  resolveSimulatorOptions,
  startSimulator,
  type BadAnswer,
  type SimFrame,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/index.ts';

interface RawResponse {
  readonly status?: number;
  readonly headers?: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body arrived whole and the exchange ended without a socket error. */
  readonly complete: boolean;
  readonly error?: string;
  readonly elapsedMs: number;
}

/** A GET on a fresh connection that reports resets and cut bodies instead of throwing. */
function rawGet(url: string): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const finish = (extra: Partial<RawResponse>) =>
      resolve({ body: Buffer.concat(chunks), complete: false, elapsedMs: performance.now() - started, ...extra });
    const request = httpGet(url, { agent: false }, (response) => {
      const { statusCode: status, headers } = response;
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => finish({ status, headers, complete: response.complete }));
      response.on('error', (error) => finish({ status, headers, error: String(error) }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => finish({ error: error.code ?? String(error) }));
  });
}

/** Simulators started in a suite; closed after it. */
function simulators() {
  const started: Simulator[] = [];
  afterAll(() => Promise.all(started.map((simulator) => simulator.close())));
  return async (options: SimulatorOptions) => {
    const simulator = await startSimulator({ frameSize: 'small', ...options });
    started.push(simulator);
    return simulator;
  };
}

/** Marker of every segment before the image data, with where its payload starts. */
function jpegSegments(bytes: Buffer): { marker: number; payload: Buffer }[] {
  const segments: { marker: number; payload: Buffer }[] = [];
  for (let offset = 2; bytes[offset] === 0xff && bytes[offset + 1] !== 0xda; ) {
    const length = bytes.readUInt16BE(offset + 2);
    segments.push({ marker: bytes[offset + 1], payload: bytes.subarray(offset + 4, offset + 2 + length) });
    offset += 2 + length;
  }
  return segments;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const secondOfDay = (frame: SimFrame) => (Date.parse(`${frame.capturedAt}Z`) - Date.parse(`${frame.date}Z`)) / 1000;
const dates = (count: number) => Array.from({ length: count }, (_, day) => new Date(Date.UTC(2025, 8, 1 + day)).toISOString().slice(0, 10));
const framesOver = (simulator: Simulator, days: number) =>
  dates(days).flatMap((date) => simulator.options.streams.flatMap((stream) => simulator.frames(date, stream)));

describe('URL layout', () => {
  const start = simulators();
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await start({ timing: 'grid', missing: 0, thumbnailOnly: 0 });
  });

  it('serves hours 0 and 23 from unpadded hour folders, with colons kept', async () => {
    const frames = simulator.frames('2025-09-06', 'in_gate');
    expect(frames).toHaveLength(144);
    expect(frames[0].fullPath).toBe('/apm/2025-09-06/0/2025-09-06T00:00:00-in_gate.jpeg');
    expect(frames[0].thumbnailPath).toBe('/apm/2025-09-06/0/2025-09-06T00:00:00-in_gate-thumbnail.jpeg');
    expect(frames.at(-1)?.fullPath).toBe('/apm/2025-09-06/23/2025-09-06T23:50:00-in_gate.jpeg');
    for (const path of [frames[0].fullPath, frames[0].thumbnailPath, frames.at(-1)!.fullPath]) {
      const response = await rawGet(simulator.url + path);
      expect(response.status, path).toBe(200);
      expect(response.headers?.['content-type']).toBe('image/jpeg');
    }
    const encoded = await rawGet(`${simulator.url}/apm/2025-09-06/0/2025-09-06T00%3A00%3A00-in_gate.jpeg`);
    expect(encoded.status).toBe(200);
  });

  it('answers 404 to any other layout, terminal, stream or time', async () => {
    const paths = [
      '/apm/2025-09-06/00/2025-09-06T00:00:00-in_gate.jpeg',
      '/apm/2025-09-07/0/2025-09-06T00:00:00-in_gate.jpeg',
      '/apm/2025-09-06/1/2025-09-06T00:00:00-in_gate.jpeg',
      '/apm/2025-09-06/0/20250906000000-in_gate.jpeg',
      '/apm/2025-09-06/0/2025-09-06T00:00:00-in_gate.jpg',
      '/lbct/2025-09-06/0/2025-09-06T00:00:00-in_gate.jpeg',
      '/apm/2025-09-06/0/2025-09-06T00:00:00-side_gate.jpeg',
      '/apm/2025-09-06/0/2025-09-06T00:05:00-in_gate.jpeg',
      '/apm/2025-02-30/0/2025-02-30T00:00:00-in_gate.jpeg',
      '/apm/%E0%A4%A',
      '/',
    ];
    for (const path of paths) expect((await rawGet(simulator.url + path)).status, path).toBe(404);
  });

  it('answers 405 to methods other than GET and HEAD', async () => {
    const [frame] = simulator.frames('2025-09-06', 'in_gate');
    const response = await fetch(simulator.url + frame.fullPath, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect((await fetch(simulator.url + frame.fullPath, { method: 'HEAD' })).status).toBe(200);
  });

  it('serves any date, including far from today', async () => {
    const [frame] = simulator.frames('1999-12-31', 'out_gate');
    expect((await rawGet(simulator.url + frame.fullPath)).status).toBe(200);
  });
});

describe('determinism', () => {
  const start = simulators();

  it('serves the same frames and bytes for the same seed, whatever the request order', async () => {
    const [first, second] = await Promise.all([start({ seed: 5 }), start({ seed: 5 })]);
    const frames = first.frames('2025-09-06', 'in_gate');
    expect(second.frames('2025-09-06', 'in_gate')).toEqual(frames);
    const sample = frames.filter((frame) => !frame.thumbnailOnly).slice(0, 6);
    const fromFirst = await Promise.all(sample.map((frame) => rawGet(first.url + frame.fullPath)));
    const fromSecond = await Promise.all(sample.toReversed().map((frame) => rawGet(second.url + frame.fullPath)));
    fromFirst.forEach((response, index) => {
      expect(response.body.equals(fromSecond.toReversed()[index].body)).toBe(true);
      expect(response.body.equals(first.frameBytes('in_gate', sample[index].capturedAt)!)).toBe(true);
      expect(sha256(response.body)).toBe(second.frameSha256('in_gate', sample[index].capturedAt));
    });
    expect(new Set(fromFirst.map((response) => sha256(response.body))).size).toBe(sample.length);
  });

  it('serves other frames and bytes for another seed', async () => {
    const [five, six] = await Promise.all([start({ seed: 5 }), start({ seed: 6 })]);
    const times = (simulator: Simulator) => simulator.frames('2025-09-06', 'in_gate').map((frame) => frame.capturedAt);
    expect(times(six)).not.toEqual(times(five));
    const grid = { timing: 'grid', missing: 0, thumbnailOnly: 0 } as const;
    const [gridFive, gridSix] = await Promise.all([start({ ...grid, seed: 5 }), start({ ...grid, seed: 6 })]);
    expect(gridSix.frameSha256('in_gate', '2025-09-06T12:00:00')).not.toBe(gridFive.frameSha256('in_gate', '2025-09-06T12:00:00'));
  });
});

describe('JPEG bodies', () => {
  const start = simulators();

  it('are baseline 1200x675 JPEGs of 85-150 KB, thumbnails 240x135 of a few KB', async () => {
    const simulator = await start({ frameSize: 'full', thumbnailOnly: 0 });
    const frames = simulator.frames('2025-09-06', 'in_gate').slice(0, 8);
    for (const frame of frames) {
      for (const [path, width, height, minBytes, maxBytes] of [
        [frame.fullPath, 1200, 675, 85_000, 150_000],
        [frame.thumbnailPath, 240, 135, 2_000, 12_000],
      ] as const) {
        const { status, headers, body } = await rawGet(simulator.url + path);
        expect(status).toBe(200);
        expect(headers?.['content-type']).toBe('image/jpeg');
        expect(Number(headers?.['content-length'])).toBe(body.length);
        expect(body.length).toBeGreaterThanOrEqual(minBytes);
        expect(body.length).toBeLessThanOrEqual(maxBytes);
        expect([...body.subarray(0, 2)]).toEqual([0xff, 0xd8]);
        expect([...body.subarray(-2)]).toEqual([0xff, 0xd9]);
        const segments = jpegSegments(body);
        const startOfFrame = segments.find((segment) => segment.marker === 0xc0);
        expect(startOfFrame, 'baseline SOF0').toBeDefined();
        expect(startOfFrame!.payload.readUInt16BE(1)).toBe(height);
        expect(startOfFrame!.payload.readUInt16BE(3)).toBe(width);
        expect(segments[0].marker).toBe(0xfe);
        expect(segments[0].payload.toString()).toContain(`apm/in_gate/${frame.capturedAt}`);
      }
    }
  });

  it('are a few KB with frameSize small', async () => {
    const simulator = await start({ thumbnailOnly: 0 });
    const [frame] = simulator.frames('2025-09-06', 'out_gate');
    expect(simulator.frameBytes('out_gate', frame.capturedAt, 'full')!.length).toBeLessThan(16_000);
    expect(simulator.frameBytes('out_gate', frame.capturedAt, 'thumbnail')!.length).toBeLessThan(6_000);
  });
});

describe('frame schedule', () => {
  const start = simulators();

  it('puts irregular frames off the grid, at most one per 10-minute slot, 2 to 18 minutes apart', async () => {
    const simulator = await start({ missing: 0.1 });
    for (const date of dates(3)) {
      const frames = simulator.frames(date, 'in_gate');
      const seconds = frames.map(secondOfDay);
      expect(seconds.every((second) => second % 600 !== 0)).toBe(true);
      const slots = seconds.map((second) => Math.floor(second / 600));
      expect(new Set(slots).size).toBe(frames.length);
      for (let index = 1; index < seconds.length; index++) {
        const gap = seconds[index] - seconds[index - 1];
        expect(gap).toBeGreaterThanOrEqual(120);
        if (slots[index] === slots[index - 1] + 1) expect(gap).toBeLessThanOrEqual(18 * 60);
      }
    }
    const [offGrid] = simulator.frames('2025-09-06', 'in_gate');
    expect((await rawGet(simulator.url + offGrid.fullPath)).status).toBe(200);
  });

  it('leaves roughly the asked share of slots empty', async () => {
    for (const missing of [0.1, 0.5]) {
      const simulator = await start({ missing, timing: 'grid' });
      const frames = framesOver(simulator, 20);
      const slotCount = 20 * 2 * 144;
      expect(1 - frames.length / slotCount).toBeCloseTo(missing, 1);
    }
  });

  it('answers 404 for an empty slot', async () => {
    const simulator = await start({ missing: 0.5, timing: 'grid' });
    const served = new Set(simulator.frames('2025-09-06', 'in_gate').map((frame) => frame.capturedAt));
    const empty = Array.from({ length: 144 }, (_, slot) => new Date(Date.UTC(2025, 8, 6) + slot * 600_000))
      .map((time) => time.toISOString().slice(0, 19))
      .find((capturedAt) => !served.has(capturedAt))!;
    const hour = Number(empty.slice(11, 13));
    expect((await rawGet(`${simulator.url}/apm/2025-09-06/${hour}/${empty}-in_gate.jpeg`)).status).toBe(404);
    expect(simulator.frameBytes('in_gate', empty)).toBeUndefined();
  });

  it('has thumbnail-only frames: full 404, thumbnail 200', async () => {
    const simulator = await start({ thumbnailOnly: 0.3 });
    const frames = framesOver(simulator, 10);
    const thumbnailOnly = frames.filter((frame) => frame.thumbnailOnly);
    expect(thumbnailOnly.length / frames.length).toBeCloseTo(0.3, 1);
    const [frame] = thumbnailOnly;
    expect((await rawGet(simulator.url + frame.fullPath)).status).toBe(404);
    const thumbnail = await rawGet(simulator.url + frame.thumbnailPath);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.body.equals(simulator.frameBytes(frame.stream, frame.capturedAt, 'thumbnail')!)).toBe(true);
    expect(simulator.frameBytes(frame.stream, frame.capturedAt, 'full')).toBeUndefined();
  });
});

describe('faults', () => {
  const start = simulators();
  let harsh: Simulator;
  let paths: string[];
  beforeAll(async () => {
    harsh = await start({ faults: 'harsh', thumbnailOnly: 0 });
    paths = framesOver(harsh, 2).map((frame) => frame.fullPath);
  });
  const pathWhoseFirstBadAnswerIs = (kind: BadAnswer['kind']) => paths.find((path) => harsh.faultPlan(path).badAnswers[0]?.kind === kind)!;

  it('makes about 5 % of URLs flaky when mild and 20 % when harsh, none without faults', async () => {
    const [none, mild] = await Promise.all([start({ faults: 'none' }), start({ faults: 'mild' })]);
    const flakyShare = (simulator: Simulator) =>
      paths.filter((path) => simulator.faultPlan(path).badAnswers.length > 0).length / paths.length;
    expect(flakyShare(none)).toBe(0);
    expect(flakyShare(mild)).toBeCloseTo(0.05, 1);
    expect(flakyShare(harsh)).toBeCloseTo(0.2, 1);
  });

  it('answers 500 and 503', async () => {
    expect((await rawGet(harsh.url + pathWhoseFirstBadAnswerIs('status500'))).status).toBe(500);
    expect((await rawGet(harsh.url + pathWhoseFirstBadAnswerIs('status503'))).status).toBe(503);
  });

  it('answers 429 with Retry-After in seconds', async () => {
    const path = pathWhoseFirstBadAnswerIs('status429');
    const response = await rawGet(harsh.url + path);
    expect(response.status).toBe(429);
    const planned = harsh.faultPlan(path).badAnswers[0];
    expect(planned.kind === 'status429' && String(planned.retryAfterSeconds)).toBe(response.headers?.['retry-after']);
  });

  it('resets the connection', async () => {
    const response = await rawGet(harsh.url + pathWhoseFirstBadAnswerIs('reset'));
    expect(response.status).toBeUndefined();
    expect(response.error).toBe('ECONNRESET');
  });

  it('cuts a body short after announcing its full length', async () => {
    const path = pathWhoseFirstBadAnswerIs('truncated');
    const response = await rawGet(harsh.url + path);
    expect(response.status).toBe(200);
    expect(response.complete).toBe(false);
    const fullLength = Number(response.headers?.['content-length']);
    expect(fullLength).toBe(harsh.jpegAt(path)!.length);
    expect(response.body.length).toBeGreaterThan(0);
    expect(response.body.length).toBeLessThan(fullLength);
  });

  it('delays the first byte, then answers right', async () => {
    const path = pathWhoseFirstBadAnswerIs('slowFirstByte');
    const planned = harsh.faultPlan(path).badAnswers[0];
    const response = await rawGet(harsh.url + path);
    expect(response.status).toBe(200);
    expect(response.elapsedMs).toBeGreaterThanOrEqual((planned.kind === 'slowFirstByte' ? planned.delayMs : 0) - 5);
    expect(response.body.equals(harsh.jpegAt(path)!)).toBe(true);
  });

  it('answers some missing frames with an HTML page and status 200 (soft 404)', async () => {
    const gridPaths = dates(2).map((date) => `/apm/${date}/12/${date}T12:00:00-in_gate.jpeg`);
    const path = gridPaths.concat(paths.map((path) => path.replace('.jpeg', '-nope.jpeg'))).find((candidate) => {
      const plan = harsh.faultPlan(candidate);
      return plan.softNotFound && plan.badAnswers.length === 0 && !harsh.jpegAt(candidate);
    })!;
    const response = await rawGet(harsh.url + path);
    expect(response.status).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^text\/html/);
    expect(response.body.toString()).toMatch(/^<!DOCTYPE html>/);
  });

  it('counts every fault served by kind', () => {
    const { faultsByKind } = harsh.stats();
    for (const kind of FAULT_KINDS.filter((kind) => kind !== 'storm')) {
      expect(faultsByKind[kind], kind).toBeGreaterThanOrEqual(1);
    }
  });

  it('recovers after 1 bad answer when mild and 2 when harsh', async () => {
    const mild = await start({ faults: 'mild', thumbnailOnly: 0 });
    for (const [simulator, badAnswers] of [
      [mild, 1],
      [harsh, 2],
    ] as const) {
      const path = paths.find((candidate) => {
        const plan = simulator.faultPlan(candidate).badAnswers;
        // A slow first byte is still a right answer, and this path must not have been asked yet.
        return plan.length > 0 && plan.every((bad) => bad.kind !== 'slowFirstByte') && !simulator.stats().requestsByPath[candidate];
      })!;
      const right = simulator.jpegAt(path)!;
      for (let attempt = 0; attempt < badAnswers; attempt++) {
        const response = await rawGet(simulator.url + path);
        expect(response.complete && response.status === 200 && response.body.equals(right), `attempt ${attempt}`).toBe(false);
      }
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await rawGet(simulator.url + path);
        expect(response.status).toBe(200);
        expect(response.body.equals(right)).toBe(true);
      }
      expect(simulator.stats().requestsByPath[path]).toBe(badAnswers + 2);
    }
  });
});

describe('stats and control', () => {
  const start = simulators();

  it('counts requests per path, peak concurrency and request times', async () => {
    const simulator = await start({ latencyMs: 100, missing: 0 });
    const frames = simulator.frames('2025-09-06', 'in_gate').slice(0, 40);
    const before = Date.now();
    await Promise.all(frames.map((frame) => rawGet(simulator.url + frame.thumbnailPath)));
    await rawGet(simulator.url + frames[0].thumbnailPath);
    const stats = simulator.stats();
    expect(stats.totalRequests).toBe(41);
    expect(stats.requestsByPath[frames[0].thumbnailPath]).toBe(2);
    expect(stats.requestsByPath[frames[1].thumbnailPath]).toBe(1);
    expect(stats.peakConcurrent).toBeGreaterThanOrEqual(32);
    expect(stats.inFlight).toBe(0);
    expect(stats.requestTimestamps).toHaveLength(41);
    expect(stats.requestTimestamps[0]).toBeGreaterThanOrEqual(before);

    const overHttp = await rawGet(`${simulator.url}/__stats`);
    expect(overHttp.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(overHttp.body.toString())).toEqual(stats);

    const reset = await fetch(`${simulator.url}/__reset`, { method: 'POST' });
    expect(reset.status).toBe(204);
    expect(simulator.stats()).toMatchObject({ totalRequests: 0, requestsByPath: {}, peakConcurrent: 0, requestTimestamps: [] });
    await rawGet(simulator.url + frames[0].thumbnailPath);
    expect(simulator.stats().totalRequests).toBe(1);
    simulator.resetStats();
    expect(simulator.stats().totalRequests).toBe(0);
  });

  it('answers every frame request with the storm status until the storm ends', async () => {
    const simulator = await start({});
    const [frame] = simulator.frames('2025-09-06', 'in_gate');
    simulator.storm({ status: 429, retryAfterSeconds: 1, untilMs: Date.now() + 300 });
    const during = await rawGet(simulator.url + frame.thumbnailPath);
    expect(during.status).toBe(429);
    expect(during.headers?.['retry-after']).toBe('1');
    expect((await rawGet(`${simulator.url}/__stats`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 320));
    expect((await rawGet(simulator.url + frame.thumbnailPath)).status).toBe(200);
    expect(simulator.stats().faultsByKind.storm).toBe(1);
  });

  it('pushes back the next frame request only, and says when it did', async () => {
    const simulator = await start({});
    const [frame] = simulator.frames('2025-09-06', 'in_gate');
    const before = Date.now();
    const pushedBack = simulator.pushBackOnce({ retryAfterSeconds: 2 });
    const first = await rawGet(simulator.url + frame.thumbnailPath);
    expect(first.status).toBe(429);
    expect(first.headers?.['retry-after']).toBe('2');
    expect(await pushedBack).toBeGreaterThanOrEqual(before);
    expect(await pushedBack).toBeLessThanOrEqual(Date.now());
    expect((await rawGet(simulator.url + frame.thumbnailPath)).status).toBe(200);
    expect(simulator.stats().faultsByKind.storm).toBe(1);
  });

  it('closes promptly with keep-alive connections open and answers still waiting', async () => {
    const simulator = await startSimulator({ frameSize: 'small', latencyMs: 10_000 });
    const idle = await startSimulator({ frameSize: 'small' });
    const [frame] = simulator.frames('2025-09-06', 'in_gate');
    expect((await fetch(idle.url + frame.thumbnailPath)).status).toBe(200);
    const waiting = rawGet(simulator.url + frame.thumbnailPath);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = performance.now();
    await Promise.all([simulator.close(), idle.close()]);
    expect(performance.now() - closing).toBeLessThan(500);
    expect((await waiting).status).toBeUndefined();
    await expect(simulator.close()).resolves.toBeUndefined();
  });

  it('rejects options a user can fix and keeps defaults for undefined ones', () => {
    expect(() => resolveSimulatorOptions({ missing: 1.5 })).toThrow(InputError);
    expect(() => resolveSimulatorOptions({ streams: ['In Gate'] })).toThrow(InputError);
    expect(() => resolveSimulatorOptions({ faults: 'wild' as 'mild' })).toThrow(InputError);
    expect(() => resolveSimulatorOptions({ port: 70_000 })).toThrow(InputError);
    expect(() => resolveSimulatorOptions({ latencyMs: -1 })).toThrow(InputError);
    expect(resolveSimulatorOptions({ seed: undefined, port: undefined })).toMatchObject({ seed: 1, port: 0 });
  });
});
