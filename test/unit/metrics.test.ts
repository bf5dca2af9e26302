import { afterEach, describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../src/frame/time.ts';
import { networkInterfaces } from 'node:os';
import { serveMetrics, WatchMetrics, type MetricsServer } from '../../src/watch/metrics.ts';
import { emptyCounts, type OutcomeCounts } from '../../src/sinks/collect-stats.ts';

const EVERY = 10 * 60_000;
const counts = (more: Partial<OutcomeCounts>): OutcomeCounts => ({ ...emptyCounts(), ...more });

/** The value of one sample line, e.g. `draydog_frames_total{stream="in_gate",outcome="downloaded"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function fakeClock(start: string) {
  let now = parseTimestamp(start);
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('WatchMetrics', () => {
  it('counts frames by stream and outcome across cycles, including the cycle running now', () => {
    const clock = fakeClock('2025-09-02T00:10:00');
    const metrics = new WatchMetrics({ everyMs: EVERY, clock: clock.now });
    metrics.cycleStarted();
    metrics.cycleProgress({
      perDateStream: {
        '2025-09-01/in_gate': counts({ requested: 3, downloaded: 2, notFound: 1, bytes: 2000, thumbnails: 1 }),
        '2025-09-02/in_gate': counts({ requested: 1, downloaded: 1, bytes: 500 }),
        '2025-09-02/out_gate': counts({ requested: 1, failed: 1 }),
      },
    });
    let text = metrics.render();
    expect(sample(text, 'draydog_frames_total{stream="in_gate",outcome="downloaded"}')).toBe(3);
    expect(sample(text, 'draydog_frames_total{stream="out_gate",outcome="failed"}')).toBe(1);
    expect(sample(text, 'draydog_cycle_running')).toBe(1);
    metrics.cycleFinished({ ok: false, durationMs: 1500 });
    metrics.retried();
    metrics.retried();

    clock.advance(EVERY);
    metrics.cycleStarted();
    metrics.cycleProgress({
      perDateStream: { '2025-09-02/in_gate': counts({ requested: 4, downloaded: 1, alreadyExisted: 3, bytes: 700 }) },
    });
    metrics.cycleFinished({ ok: true, durationMs: 250 });
    metrics.newestFrames({ in_gate: '2025-09-02T00:20:00', out_gate: '2025-09-02T00:00:00' });
    clock.advance(5 * 60_000);

    text = metrics.render();
    expect(sample(text, 'draydog_frames_total{stream="in_gate",outcome="downloaded"}')).toBe(4);
    expect(sample(text, 'draydog_frames_total{stream="in_gate",outcome="alreadyExisted"}')).toBe(3);
    expect(sample(text, 'draydog_frames_total{stream="in_gate",outcome="notFound"}')).toBe(1);
    expect(sample(text, 'draydog_frames_total{stream="out_gate",outcome="failed"}')).toBe(1);
    expect(sample(text, 'draydog_downloaded_bytes_total{stream="in_gate"}')).toBe(3200);
    expect(sample(text, 'draydog_thumbnail_frames_total{stream="in_gate"}')).toBe(1);
    expect(sample(text, 'draydog_retries_total')).toBe(2);
    expect(sample(text, 'draydog_cycles_total{result="ok"}')).toBe(1);
    expect(sample(text, 'draydog_cycles_total{result="failed"}')).toBe(1);
    expect(sample(text, 'draydog_cycle_running')).toBe(0);
    expect(sample(text, 'draydog_last_cycle_duration_seconds')).toBe(0.25);
    expect(sample(text, 'draydog_last_successful_cycle_timestamp_seconds')).toBe(parseTimestamp('2025-09-02T00:20:00') / 1000);
    expect(sample(text, 'draydog_newest_frame_timestamp_seconds{stream="in_gate"}')).toBe(parseTimestamp('2025-09-02T00:20:00') / 1000);
    expect(sample(text, 'draydog_newest_frame_lag_seconds{stream="in_gate"}')).toBe(300);
    expect(sample(text, 'draydog_newest_frame_lag_seconds{stream="out_gate"}')).toBe(1500);
    expect(sample(text, 'draydog_heap_used_bytes')).toBeGreaterThan(0);
    // every series has its HELP and TYPE, and every line is a comment or a sample
    expect(text).toContain('# TYPE draydog_frames_total counter');
    expect(text).toContain('# TYPE draydog_newest_frame_lag_seconds gauge');
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?[\d.e+]+)$/);
  });

  it('has no per-stream series and no last-cycle gauges before the first cycle', () => {
    const text = new WatchMetrics({ everyMs: EVERY }).render();
    expect(text).not.toContain('draydog_frames_total{');
    expect(text).not.toContain('draydog_last_successful_cycle_timestamp_seconds');
    expect(text).not.toContain('draydog_newest_frame_lag_seconds');
    expect(sample(text, 'draydog_cycles_total{result="ok"}')).toBe(0);
  });

  it('is healthy while a cycle succeeded (or the watch started) less than three periods ago', () => {
    const clock = fakeClock('2025-09-02T12:00:00');
    const metrics = new WatchMetrics({ everyMs: EVERY, clock: clock.now });
    expect(metrics.health()).toMatchObject({
      healthy: true,
      body: { status: 'ok', cycles: 0, lastSuccessfulCycle: null, lastCycleOk: null },
    });
    metrics.cycleStarted();
    metrics.cycleFinished({ ok: true, durationMs: 10 });
    clock.advance(3 * EVERY);
    expect(metrics.health()).toMatchObject({ healthy: true, body: { lastSuccessfulCycle: '2025-09-02T12:00:00.000Z', lastCycleOk: true } });
    metrics.cycleStarted();
    metrics.cycleFinished({ ok: false, durationMs: 10 });
    clock.advance(1);
    expect(metrics.health()).toMatchObject({ healthy: false, body: { status: 'stale', cycles: 2, failedCycles: 1, lastCycleOk: false } });
  });
});

describe('serveMetrics', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves /metrics as Prometheus text and /healthz as JSON, 503 when stale', async () => {
    const clock = fakeClock('2025-09-02T12:00:00');
    const metrics = new WatchMetrics({ everyMs: EVERY, clock: clock.now });
    server = await serveMetrics(metrics, { port: 0, host: '127.0.0.1' });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);

    const scrape = await fetch(`${server.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await scrape.text()).toContain('draydog_cycles_total{result="ok"} 0');

    const healthy = await fetch(`${server.url}/healthz`);
    expect([healthy.status, await healthy.json()]).toEqual([200, expect.objectContaining({ status: 'ok' })]);
    clock.advance(3 * EVERY + 1);
    const stale = await fetch(`${server.url}/healthz`);
    expect([stale.status, await stale.json()]).toEqual([503, expect.objectContaining({ status: 'stale' })]);

    expect((await fetch(`${server.url}/other`)).status).toBe(404);
    const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('listens on loopback only by default, and names the address it really listens on', async () => {
    server = await serveMetrics(new WatchMetrics({ everyMs: EVERY }), { port: 0 });
    expect([server.host, server.url]).toEqual(['127.0.0.1', `http://127.0.0.1:${server.port}`]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // this machine's other addresses (if it has any) must not reach it
    const outside = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address && !address.internal && address.family === 'IPv4');
    for (const address of outside) await expect(fetch(`http://${address!.address}:${server.port}/healthz`)).rejects.toThrow();
  });

  it('listens on every address when asked, and says so', async () => {
    server = await serveMetrics(new WatchMetrics({ everyMs: EVERY }), { port: 0, host: '0.0.0.0' });
    expect([server.host, server.url]).toEqual(['0.0.0.0', `http://0.0.0.0:${server.port}`]);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
  });
});
