import type { CatalogOrm } from '../catalog/catalog-location.ts';
import type { Logger } from 'pino';
import { DAY_MS, formatDate } from '../frame/time.ts';
import type { OutcomeItem } from '../items.ts';
import { WatchMetrics } from '../watch/metrics.ts';
import type { DownloadOptions } from '../download.ts';
import type { DownloadTally } from '../sinks/collect-stats.ts';
import type { CycleReport } from '../watch/cycle.ts';
import type { FleetQueue } from '../fleet/fleet-queue.ts';
import { uiAccess } from './access.ts';
import { heatmapWindow, readCatalogView } from './catalog-view.ts';
import { serveDashboard, type DashboardServer, type DashboardServerOptions } from './server.ts';
import { RunState } from './run-state.ts';

/** Where the dashboard listens: `--ui [PORT]` and `--ui-host`. */
export interface UiSettings {
  readonly port: number;
  readonly host: string;
}

interface StartOptions extends Omit<DashboardServerOptions, 'port' | 'host' | 'token' | 'onError'> {
  readonly ui: UiSettings;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
}

/** Serves the dashboard and says where, once: beyond loopback with the token draydog made (one from DRAYDOG_UI_TOKEN is not repeated). */
export async function startDashboard({ ui, env, logger, ...options }: StartOptions): Promise<DashboardServer> {
  const access = uiAccess(ui.host, env);
  const server = await serveDashboard({
    ...options,
    ...ui,
    token: access.token,
    onError: (error) => logger.warn({ error: String(error) }, `dashboard: ${String(error)}`),
  });
  const address = access.generated ? `${server.url}/?token=${access.token}` : `${server.url}/`;
  const how = access.token && !access.generated ? ' (token: DRAYDOG_UI_TOKEN)' : '';
  const also = options.metrics ? '/api/state and /metrics' : '/api/state';
  logger.info({ url: `${server.url}/`, host: server.host, port: server.port }, `dashboard at ${address}${how}; ${also} on the same server`);
  return server;
}

/** What the dashboard of a run is given: where to listen, the run's catalog and archive, and what it fetches. */
interface RunContext {
  readonly ui: UiSettings;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly orm: CatalogOrm;
  readonly out: string;
  readonly terminal?: string;
  readonly intervalMinutes?: number;
}

export interface DownloadDashboardOptions extends RunContext {
  /** Frames the run will handle. */
  readonly total: number;
  /** The run's dates, when it has a range (not for `--frames`). */
  readonly range?: { readonly from: string; readonly to: string };
}

export interface RunDashboard {
  /** To pass to `runDownload`. */
  readonly hooks: Required<Pick<DownloadOptions, 'onProgress' | 'onOutcome' | 'onRetry'>>;
  /** The run ended: the last state (and the catalog as it is now) goes to every open tab. */
  finish(report: { readonly stopReason?: string; readonly interrupted?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/**
 * The dashboard of a download: its outcomes counted as they come, the heatmap read from the catalog
 * while someone looks, and `/metrics` in the watch's terms (the download as one running cycle).
 */
export async function startDownloadDashboard(options: DownloadDashboardOptions): Promise<RunDashboard> {
  const { orm, out, terminal, intervalMinutes } = options;
  const state = new RunState({ total: options.total });
  const metrics = new WatchMetrics({ everyMs: Number.MAX_SAFE_INTEGER });
  metrics.cycleStarted();
  let tally: DownloadTally | undefined;
  // the dates the run has reached, for a range it does not state and for the heatmap's window of a long one
  let first: string | undefined;
  let last: string | undefined;
  const server = await startDashboard({
    ...options,
    state,
    metrics: () => {
      if (tally) metrics.cycleProgress(tally);
      return metrics.render();
    },
    readCatalog: () => {
      const today = formatDate(Date.now());
      const range = options.range ?? { from: first ?? today, to: last ?? today };
      return readCatalogView(orm, {
        ...heatmapWindow(range, last),
        terminal,
        intervalMinutes,
        now: Date.now(),
        out,
        failedIn: (stream, hour) => state.failedIn(stream, hour),
      });
    },
  });
  return {
    hooks: {
      onProgress: (latest) => {
        tally = latest;
      },
      onOutcome: (item: OutcomeItem) => {
        state.outcome(item);
        const { date } = item.frame;
        if (first === undefined || date < first) first = date;
        if (last === undefined || date > last) last = date;
      },
      onRetry: () => {
        state.retried();
        metrics.retried();
      },
    },
    finish: async (report) => {
      state.finished(report);
      await server.flush();
    },
    close: () => server.close(),
  };
}

export interface WatchDashboardOptions extends RunContext {
  /** The watch's metrics: `/metrics` and `/healthz` are the dashboard's too, one server. */
  readonly metrics: WatchMetrics;
  /** The watch's clock. */
  readonly clock: () => number;
}

/** How many days back the watch's heatmap shows, today included. */
const WATCH_HEATMAP_DAYS = 7;

export interface WatchDashboard {
  readonly hooks: { onOutcome(item: OutcomeItem): void; onRetry(): void; onCycle(cycle: CycleReport): void };
  close(): Promise<void>;
}

/** The dashboard of a watch: every cycle's outcomes added up, the last week's heatmap, and the watch's `/metrics` and `/healthz`. */
export async function startWatchDashboard(options: WatchDashboardOptions): Promise<WatchDashboard> {
  const { orm, out, clock, terminal, intervalMinutes, metrics } = options;
  const state = new RunState({ clock });
  const server = await startDashboard({
    ...options,
    state,
    metrics: () => metrics.render(),
    health: () => metrics.health(),
    readCatalog: () => {
      const now = clock();
      const range = { from: formatDate(now - (WATCH_HEATMAP_DAYS - 1) * DAY_MS), to: formatDate(now) };
      return readCatalogView(orm, {
        ...range,
        terminal,
        intervalMinutes,
        now,
        out,
        failedIn: (stream, hour) => state.failedIn(stream, hour),
      });
    },
  });
  return {
    hooks: {
      onOutcome: (item) => state.outcome(item),
      onRetry: () => state.retried(),
      onCycle: (cycle) => state.cycleFinished(cycle),
    },
    close: () => server.close(),
  };
}

export interface CatalogDashboardOptions {
  readonly ui: UiSettings;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly state: RunState;
  readonly orm: CatalogOrm;
  readonly out: string;
  readonly terminal?: string;
  /** The heatmap's dates; by default up to 31 days ending with the newest frame's date. */
  readonly from?: string;
  readonly to?: string;
  /** The fleet that fills the catalog, shown beside it. */
  readonly fleet?: { readonly name: string; readonly queue: FleetQueue };
}

/** The first and last capture date the catalog holds, or today for an empty one. */
async function catalogDates(orm: CatalogOrm, terminal: string | undefined): Promise<{ first: string; last: string }> {
  const [row] = await orm.em
    .getConnection()
    .execute<{ first: string | null; last: string | null }[]>(
      'select min(captured_at) as first, max(captured_at) as last from images where (? is null or terminal = ?)',
      [terminal ?? null, terminal ?? null],
    );
  const today = formatDate(Date.now());
  return { first: row?.first?.slice(0, 10) ?? today, last: row?.last?.slice(0, 10) ?? today };
}

/**
 * The dashboard of a catalog that other processes fill (`draydog dashboard`, a fleet worker's `--ui`):
 * its heatmap over the dates it holds, read again while someone looks, and the fleet's queue with it.
 */
export function startCatalogDashboard({ orm, terminal, fleet, ...options }: CatalogDashboardOptions): Promise<DashboardServer> {
  return startDashboard({
    ...options,
    catalogChangesElsewhere: true,
    readCatalog: async () => {
      const { first, last } = await catalogDates(orm, terminal);
      const to = options.to ?? last;
      const window = heatmapWindow({ from: options.from ?? [first, to].sort()[0], to }, to);
      const view = await readCatalogView(orm, { ...window, terminal, now: Date.now(), out: options.out });
      return fleet ? { ...view, fleet: { name: fleet.name, ...(await fleet.queue.status()) } } : view;
    },
  });
}
