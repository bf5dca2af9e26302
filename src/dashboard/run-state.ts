import { resolve } from 'node:path';
import { parseTimestamp } from '../frame/time.ts';
import type { OutcomeItem } from '../items.ts';
import type { OutcomeCounts } from '../sinks/collect-stats.ts';
import type { CatalogView, CoverageView, FleetView } from './catalog-view.ts';

/** Seconds of history behind the rate chart. */
const RATE_WINDOW_SECONDS = 60;
/** The latest failures kept for the page (every failure still counts in the totals and the heatmap). */
export const LISTED_FAILURES = 20;

const OUTCOMES = ['downloaded', 'alreadyExisted', 'notFound', 'failed'] as const;

export interface RunStateOptions {
  /** Frames the run will handle, when known (a download); a watch has none. */
  readonly total?: number;
  /** No run at all: `draydog dashboard` shows a catalog. */
  readonly catalogOnly?: boolean;
  /** Real time in ms, for rates and the ETA. */
  readonly now?: () => number;
  /** The run's clock (a watch's may be simulated), for how far each stream's newest frame lags behind. */
  readonly clock?: () => number;
}

export interface ListedFailure {
  readonly stream: string;
  readonly capturedAt: string;
  readonly url: string;
  readonly error: string;
  readonly attempts: number;
}

export interface NewestFrame {
  readonly capturedAt: string;
  /** Absolute path of its file. */
  readonly path: string;
}

export interface StreamView {
  readonly stream: string;
  readonly newest: string | null;
  /** Seconds the newest frame lags behind the run's clock. */
  readonly lagSeconds: number | null;
  /** Bumps when the newest frame changes, so the page reloads its image. */
  readonly image: string | null;
}

export interface CycleView {
  readonly cycle: number;
  readonly until: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** What `/api/state` answers and the page shows. */
export interface RunSnapshot {
  readonly phase: 'running' | 'finished' | 'stopped' | 'interrupted' | 'watching' | 'catalog';
  readonly stopReason: string | null;
  readonly total: number | null;
  readonly counts: Omit<OutcomeCounts, 'requested'> & { readonly done: number };
  readonly retries: number;
  readonly etaSeconds: number | null;
  /** Frames handled and bytes downloaded per second over the last minute, oldest first. */
  readonly rate: {
    readonly frames: readonly number[];
    readonly bytes: readonly number[];
    readonly framesPerSecond: number;
    readonly bytesPerSecond: number;
  };
  readonly failures: readonly ListedFailure[];
  readonly streams: readonly StreamView[];
  readonly cycles: { readonly ok: number; readonly failed: number; readonly last: CycleView | null } | null;
  readonly coverage?: CoverageView;
  readonly fleet?: FleetView;
}

/**
 * What a run has done, for the dashboard: counts by outcome, retries, a per-second history of the last
 * minute, the latest failures, failures per stream and hour, and the newest frame of each stream.
 * Each outcome costs a few counter updates; the snapshot is made only when someone looks.
 */
export class RunState {
  readonly #total: number | undefined;
  readonly #now: () => number;
  readonly #clock: () => number;
  readonly #startedAt: number;
  readonly #counts = { downloaded: 0, alreadyExisted: 0, notFound: 0, failed: 0, bytes: 0, thumbnails: 0 };
  #retries = 0;
  readonly #frameBuckets = new Float64Array(RATE_WINDOW_SECONDS);
  readonly #byteBuckets = new Float64Array(RATE_WINDOW_SECONDS);
  /** The second (since the epoch) the last bucket was written in. */
  #bucketSecond: number;
  readonly #failures: ListedFailure[] = [];
  /** Frames that failed, keyed `<stream>/<YYYY-MM-DD>T<HH>`. */
  readonly #failedPerHour = new Map<string, number>();
  readonly #newest = new Map<string, NewestFrame>();
  #phase: RunSnapshot['phase'];
  #stopReason: string | null = null;
  #cycles: { ok: number; failed: number; last: CycleView | null } | null = null;
  /** Bumps with every change, so a sampler sends only what changed. */
  #version = 0;

  constructor({ total, catalogOnly = false, now = Date.now, clock = now }: RunStateOptions = {}) {
    this.#total = total;
    this.#now = now;
    this.#clock = clock;
    this.#startedAt = now();
    this.#bucketSecond = Math.floor(this.#startedAt / 1000);
    this.#phase = catalogOnly ? 'catalog' : total === undefined ? 'watching' : 'running';
  }

  get version(): number {
    return this.#version;
  }

  outcome(item: OutcomeItem): void {
    this.#version += 1;
    this.#counts[item.kind] += 1;
    const bucket = this.#bucketNow();
    this.#frameBuckets[bucket] += 1;
    const { stream, capturedAt } = item.frame;
    if (item.kind === 'downloaded') {
      this.#counts.bytes += item.bytes;
      this.#byteBuckets[bucket] += item.bytes;
      if (item.variant === 'thumbnail') this.#counts.thumbnails += 1;
    }
    if (item.kind === 'downloaded' || item.kind === 'alreadyExisted') {
      const newest = this.#newest.get(stream);
      if (!newest || newest.capturedAt < capturedAt) this.#newest.set(stream, { capturedAt, path: resolve(item.filePath) });
    }
    if (item.kind === 'failed') {
      this.#failures.push({ stream, capturedAt, url: item.url, error: item.error, attempts: item.attempts });
      if (this.#failures.length > LISTED_FAILURES) this.#failures.shift();
      const hour = `${stream}/${capturedAt.slice(0, 13)}`;
      this.#failedPerHour.set(hour, (this.#failedPerHour.get(hour) ?? 0) + 1);
    }
  }

  retried(): void {
    this.#version += 1;
    this.#retries += 1;
  }

  /** The newest frames the catalog holds, per stream: kept where no newer frame came through the run. */
  catalogNewest(frames: Readonly<Record<string, NewestFrame>>): void {
    for (const [stream, frame] of Object.entries(frames)) {
      const known = this.#newest.get(stream);
      if (!known || known.capturedAt < frame.capturedAt) {
        this.#newest.set(stream, frame);
        this.#version += 1;
      }
    }
  }

  /** A watch cycle ended. */
  cycleFinished(cycle: CycleView): void {
    this.#version += 1;
    this.#cycles ??= { ok: 0, failed: 0, last: null };
    this.#cycles[cycle.ok ? 'ok' : 'failed'] += 1;
    this.#cycles.last = { cycle: cycle.cycle, until: cycle.until, ok: cycle.ok, ...(cycle.error ? { error: cycle.error } : {}) };
  }

  /** The run ended: why, if it did not end by itself. */
  finished({ stopReason, interrupted }: { readonly stopReason?: string; readonly interrupted?: boolean }): void {
    this.#version += 1;
    this.#phase = stopReason ? 'stopped' : interrupted ? 'interrupted' : 'finished';
    this.#stopReason = stopReason ?? null;
  }

  /** The file of a stream's newest frame, if any. */
  newestFrameOf(stream: string): NewestFrame | undefined {
    return this.#newest.get(stream);
  }

  /** Frames of the run that failed in a stream's hour (`YYYY-MM-DDTHH`). */
  failedIn(stream: string, hour: string): number {
    return this.#failedPerHour.get(`${stream}/${hour}`) ?? 0;
  }

  /** Moves the rate window to the current second, clearing the seconds nothing happened in; returns the current bucket. */
  #bucketNow(): number {
    const second = Math.floor(this.#now() / 1000);
    const elapsed = Math.min(second - this.#bucketSecond, RATE_WINDOW_SECONDS);
    for (let step = 1; step <= elapsed; step += 1) {
      const bucket = (this.#bucketSecond + step) % RATE_WINDOW_SECONDS;
      this.#frameBuckets[bucket] = 0;
      this.#byteBuckets[bucket] = 0;
    }
    if (second > this.#bucketSecond) this.#bucketSecond = second;
    return this.#bucketSecond % RATE_WINDOW_SECONDS;
  }

  #rate(): RunSnapshot['rate'] {
    const current = this.#bucketNow();
    const ordered = (buckets: Float64Array) =>
      Array.from({ length: RATE_WINDOW_SECONDS }, (_, index) => buckets[(current + 1 + index) % RATE_WINDOW_SECONDS]);
    const frames = ordered(this.#frameBuckets);
    const bytes = ordered(this.#byteBuckets);
    // over the last minute, or since the start when the run is younger
    const seconds = Math.min(RATE_WINDOW_SECONDS, Math.max(1, (this.#now() - this.#startedAt) / 1000));
    const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
    return { frames, bytes, framesPerSecond: sum(frames) / seconds, bytesPerSecond: sum(bytes) / seconds };
  }

  snapshot(view?: CatalogView): RunSnapshot {
    const done = OUTCOMES.reduce((sum, outcome) => sum + this.#counts[outcome], 0);
    const elapsed = this.#now() - this.#startedAt;
    const eta =
      this.#total !== undefined && done > 0 && this.#phase === 'running' ? (Math.max(this.#total - done, 0) * elapsed) / done / 1000 : null;
    const clockNow = this.#clock();
    const streamNames = new Set([...this.#newest.keys(), ...(view?.coverage.streams.map(({ stream }) => stream) ?? [])]);
    const streams = [...streamNames].sort().map((stream): StreamView => {
      const newest = this.#newest.get(stream);
      if (!newest) return { stream, newest: null, lagSeconds: null, image: null };
      const lag = Math.max(0, Math.round((clockNow - parseTimestamp(newest.capturedAt)) / 1000));
      return {
        stream,
        newest: newest.capturedAt,
        lagSeconds: lag,
        image: `/frames/latest.jpg?stream=${encodeURIComponent(stream)}&at=${encodeURIComponent(newest.capturedAt)}`,
      };
    });
    return {
      phase: this.#phase,
      stopReason: this.#stopReason,
      total: this.#total ?? null,
      counts: { ...this.#counts, done },
      retries: this.#retries,
      etaSeconds: eta === null ? null : Math.round(eta),
      rate: this.#rate(),
      failures: [...this.#failures].reverse(),
      streams,
      cycles: this.#cycles && { ...this.#cycles },
      ...(view ? { coverage: view.coverage } : {}),
      ...(view?.fleet ? { fleet: view.fleet } : {}),
    };
  }
}
