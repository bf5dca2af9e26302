import { FAULT_KINDS, type FaultKind } from './faults.ts';

/** What `GET /__stats` answers. */
export interface SimulatorStats {
  readonly totalRequests: number;
  readonly requestsByPath: Record<string, number>;
  /** Most requests being answered at once; with `latencyMs` 0 answers are too quick to overlap much. */
  readonly peakConcurrent: number;
  readonly inFlight: number;
  readonly faultsByKind: Record<FaultKind, number>;
  /** When requests arrived (ms since the epoch), oldest first; only the last 100,000. */
  readonly requestTimestamps: number[];
}

const REQUEST_TIMESTAMP_LIMIT = 100_000;

/** Counts frame requests; the control endpoints (`/__stats`, `/__reset`) are not counted. */
export class StatsRecorder {
  #totalRequests = 0;
  #requestsByPath = new Map<string, number>();
  #peakConcurrent = 0;
  #inFlight = 0;
  #faultsByKind = new Map<FaultKind, number>();
  #requestTimestamps: number[] = [];

  /** Counts a request as in flight; call the returned function once when its answer is over. */
  requestStarted(path: string): () => void {
    this.#totalRequests++;
    this.#requestsByPath.set(path, (this.#requestsByPath.get(path) ?? 0) + 1);
    this.#inFlight++;
    this.#peakConcurrent = Math.max(this.#peakConcurrent, this.#inFlight);
    this.#requestTimestamps.push(Date.now());
    // Trimming only when twice over the limit keeps the cost per request constant.
    if (this.#requestTimestamps.length >= 2 * REQUEST_TIMESTAMP_LIMIT) {
      this.#requestTimestamps.splice(0, this.#requestTimestamps.length - REQUEST_TIMESTAMP_LIMIT);
    }
    return () => {
      this.#inFlight--;
    };
  }

  faultServed(kind: FaultKind): void {
    this.#faultsByKind.set(kind, (this.#faultsByKind.get(kind) ?? 0) + 1);
  }

  /** Forgets everything but the requests still in flight. */
  reset(): void {
    this.#totalRequests = 0;
    this.#requestsByPath.clear();
    this.#peakConcurrent = this.#inFlight;
    this.#faultsByKind.clear();
    this.#requestTimestamps = [];
  }

  snapshot(): SimulatorStats {
    return {
      totalRequests: this.#totalRequests,
      requestsByPath: Object.fromEntries(this.#requestsByPath),
      peakConcurrent: this.#peakConcurrent,
      inFlight: this.#inFlight,
      faultsByKind: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, this.#faultsByKind.get(kind) ?? 0])) as Record<FaultKind, number>,
      requestTimestamps: this.#requestTimestamps.slice(-REQUEST_TIMESTAMP_LIMIT),
    };
  }
}
