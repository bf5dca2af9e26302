import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseTimestamp } from '../frame/time.ts';
import type { DownloadTally, OutcomeCounts } from '../sinks/collect-stats.ts';

const OUTCOMES = ['downloaded', 'alreadyExisted', 'notFound', 'failed'] as const;
type Outcome = (typeof OUTCOMES)[number];

export interface WatchMetricsOptions {
  /** The watch's clock, ms since the epoch (a simulated clock in demos and tests). */
  readonly clock?: () => number;
  /** The watch period in the clock's time: `/healthz` turns unhealthy after 3 periods without a successful cycle. */
  readonly everyMs: number;
}

interface StreamCounts {
  readonly outcomes: Record<Outcome, number>;
  bytes: number;
  thumbnails: number;
}

export interface Health {
  readonly healthy: boolean;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * What a watch has done so far, as Prometheus metrics: frames by outcome and stream, bytes, retries,
 * cycles, the last successful cycle and how far the newest frame of each stream lags behind the clock.
 * Counts of the cycle running now are included as they come (see `cycleProgress`).
 */
export class WatchMetrics {
  readonly #clock: () => number;
  readonly #everyMs: number;
  /** When the watch started, on the clock: read at the first cycle or health check. */
  #startedAt: number | undefined;
  /** Counts of the finished cycles, per stream. */
  readonly #finished = new Map<string, StreamCounts>();
  /** Counts of the cycle running now, per stream, from its latest tally. */
  #running = new Map<string, OutcomeCounts>();
  #retries = 0;
  #cycles = { ok: 0, failed: 0 };
  #cycleRunning = false;
  #lastCycleSeconds: number | undefined;
  #lastSuccessAt: number | undefined;
  #lastCycleOk: boolean | undefined;
  readonly #newest = new Map<string, number>();

  constructor({ clock = Date.now, everyMs }: WatchMetricsOptions) {
    this.#clock = clock;
    this.#everyMs = everyMs;
  }

  cycleStarted(): void {
    this.#startedAt ??= this.#clock();
    this.#cycleRunning = true;
    this.#running = new Map();
  }

  /** The running tally of the cycle in progress (as `runDownload`'s `onProgress` gives it). */
  cycleProgress(tally: Pick<DownloadTally, 'perDateStream'>): void {
    const byStream = new Map<string, OutcomeCounts>();
    for (const [key, counts] of Object.entries(tally.perDateStream)) {
      const stream = key.slice(key.indexOf('/') + 1);
      const sum = byStream.get(stream);
      byStream.set(stream, sum ? addCounts(sum, counts) : { ...counts });
    }
    this.#running = byStream;
  }

  /** Ends the cycle in progress: its counts join the totals. `ok` is false for a cycle that failed or stopped early. */
  cycleFinished({ ok, durationMs }: { readonly ok: boolean; readonly durationMs: number }): void {
    for (const [stream, counts] of this.#running) {
      const total = this.#streamTotals(stream);
      for (const outcome of OUTCOMES) total.outcomes[outcome] += counts[outcome];
      total.bytes += counts.bytes;
      total.thumbnails += counts.thumbnails;
    }
    this.#running = new Map();
    this.#cycleRunning = false;
    this.#cycles[ok ? 'ok' : 'failed'] += 1;
    this.#lastCycleSeconds = durationMs / 1000;
    this.#lastCycleOk = ok;
    if (ok) this.#lastSuccessAt = this.#clock();
  }

  retried(): void {
    this.#retries += 1;
  }

  /** The capture time (`YYYY-MM-DDTHH:MM:SS`, UTC) of the newest frame on disk, per stream. */
  newestFrames(newest: Readonly<Record<string, string>>): void {
    for (const [stream, capturedAt] of Object.entries(newest)) this.#newest.set(stream, parseTimestamp(capturedAt));
  }

  #streamTotals(stream: string): StreamCounts {
    let totals = this.#finished.get(stream);
    if (!totals) {
      totals = { outcomes: { downloaded: 0, alreadyExisted: 0, notFound: 0, failed: 0 }, bytes: 0, thumbnails: 0 };
      this.#finished.set(stream, totals);
    }
    return totals;
  }

  /** Healthy while a cycle succeeded (or the watch started) less than 3 periods ago. */
  health(): Health {
    const now = this.#clock();
    this.#startedAt ??= now;
    const since = this.#lastSuccessAt ?? this.#startedAt;
    const healthy = now - since <= 3 * this.#everyMs;
    return {
      healthy,
      body: {
        status: healthy ? 'ok' : 'stale',
        cycles: this.#cycles.ok + this.#cycles.failed,
        failedCycles: this.#cycles.failed,
        lastCycleOk: this.#lastCycleOk ?? null,
        lastSuccessfulCycle: this.#lastSuccessAt === undefined ? null : new Date(this.#lastSuccessAt).toISOString(),
        cycleRunning: this.#cycleRunning,
      },
    };
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  render(): string {
    const now = this.#clock();
    const streams = [...new Set([...this.#finished.keys(), ...this.#running.keys(), ...this.#newest.keys()])].sort();
    const total = (stream: string) => {
      const done = this.#finished.get(stream);
      const running = this.#running.get(stream);
      const outcome = (name: Outcome) => (done?.outcomes[name] ?? 0) + (running?.[name] ?? 0);
      return {
        outcome,
        bytes: (done?.bytes ?? 0) + (running?.bytes ?? 0),
        thumbnails: (done?.thumbnails ?? 0) + (running?.thumbnails ?? 0),
      };
    };
    const lines: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: readonly (readonly [string, number])[]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${formatValue(value)}`);
    };
    metric(
      'draydog_frames_total',
      'counter',
      'Frames handled by the watch, by stream and outcome (downloaded, alreadyExisted, notFound, failed).',
      streams.flatMap((stream) => OUTCOMES.map((name) => [labels({ stream, outcome: name }), total(stream).outcome(name)] as const)),
    );
    metric(
      'draydog_downloaded_bytes_total',
      'counter',
      'Bytes of frames downloaded, by stream.',
      streams.map((stream) => [labels({ stream }), total(stream).bytes]),
    );
    metric(
      'draydog_thumbnail_frames_total',
      'counter',
      'Frames saved from their thumbnail because the full-size frame was missing, by stream.',
      streams.map((stream) => [labels({ stream }), total(stream).thumbnails]),
    );
    metric('draydog_retries_total', 'counter', 'HTTP requests retried.', [['', this.#retries]]);
    metric('draydog_cycles_total', 'counter', 'Watch cycles finished, by result (a failed cycle is retried at the next one).', [
      [labels({ result: 'ok' }), this.#cycles.ok],
      [labels({ result: 'failed' }), this.#cycles.failed],
    ]);
    metric('draydog_cycle_running', 'gauge', '1 while a cycle runs.', [['', this.#cycleRunning ? 1 : 0]]);
    if (this.#lastCycleSeconds !== undefined) {
      metric('draydog_last_cycle_duration_seconds', 'gauge', 'How long the last finished cycle took.', [['', this.#lastCycleSeconds]]);
    }
    if (this.#lastSuccessAt !== undefined) {
      metric('draydog_last_successful_cycle_timestamp_seconds', 'gauge', 'When the last successful cycle ended (Unix time).', [
        ['', this.#lastSuccessAt / 1000],
      ]);
    }
    const newest = [...this.#newest.entries()].sort(([a], [b]) => a.localeCompare(b));
    if (newest.length > 0) {
      metric(
        'draydog_newest_frame_timestamp_seconds',
        'gauge',
        'Capture time of the newest frame on disk (Unix time), by stream.',
        newest.map(([stream, at]) => [labels({ stream }), at / 1000]),
      );
      metric(
        'draydog_newest_frame_lag_seconds',
        'gauge',
        'Age of the newest frame on disk, by stream.',
        newest.map(([stream, at]) => [labels({ stream }), Math.max(0, now - at) / 1000]),
      );
    }
    const memory = process.memoryUsage();
    metric('draydog_heap_used_bytes', 'gauge', 'V8 heap in use.', [['', memory.heapUsed]]);
    metric('draydog_resident_memory_bytes', 'gauge', 'Resident set size of the process.', [['', memory.rss]]);
    return `${lines.join('\n')}\n`;
  }
}

function addCounts(a: OutcomeCounts, b: OutcomeCounts): OutcomeCounts {
  return {
    requested: a.requested + b.requested,
    downloaded: a.downloaded + b.downloaded,
    alreadyExisted: a.alreadyExisted + b.alreadyExisted,
    notFound: a.notFound + b.notFound,
    failed: a.failed + b.failed,
    bytes: a.bytes + b.bytes,
    thumbnails: a.thumbnails + b.thumbnails,
  };
}

function labels(values: Readonly<Record<string, string>>): string {
  const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${Object.entries(values)
    .map(([name, value]) => `${name}="${escapeLabel(value)}"`)
    .join(',')}}`;
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}

export interface MetricsServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Default `127.0.0.1`: only this machine reads it; `0.0.0.0` lets a Prometheus server elsewhere scrape it. */
  readonly host?: string;
}

export interface MetricsServer {
  /** Of the address really listened on, e.g. `http://127.0.0.1:9464` or `http://0.0.0.0:9464` */
  readonly url: string;
  /** The address really listened on, e.g. `127.0.0.1`, `0.0.0.0` or `::1`. */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (Prometheus text) and `GET /healthz` (JSON; 200 when healthy, 503 when stale). */
export async function serveMetrics(metrics: WatchMetrics, { port, host = '127.0.0.1' }: MetricsServerOptions): Promise<MetricsServer> {
  const answer = (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
    } else if (path === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.render());
    } else if (path === '/healthz') {
      const health = metrics.health();
      response.writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(health.body)}\n`);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found: try /metrics or /healthz\n');
    }
  };
  const server: Server = createServer(answer);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
