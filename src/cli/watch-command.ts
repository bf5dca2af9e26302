import { assertArchiveReachable } from '../download.ts';
import { isObjectStoreUrl, parseObjectStoreUrl } from '../storage/archive-location.ts';
import type { CatalogOrm } from '../catalog/catalog-location.ts';
import type { Argv } from 'yargs';
import { formatDuration } from '../report/format.ts';
import { DAY_MS, parseTimestamp } from '../frame/time.ts';
import { InputError } from '../errors.ts';
import { serveMetrics, WatchMetrics, type MetricsServer } from '../watch/metrics.ts';
import { withoutCredentials } from '../operators/build-urls.ts';
import { simulatedClock, type WatchClock } from '../watch/clock.ts';
import { shownCatalog } from '../catalog/catalog-location.ts';
import { validateWatchOptions, watch, type WatchOptions } from '../watch/watch.ts';
import { ExitCode } from './exit-codes.ts';
import { listenForInterruption } from './interruption.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { fetchOptions, fetchSettingsOf } from './fetch-options.ts';
import { positiveNumber, wholeNumber } from './options.ts';
import { printSummary } from './summary.ts';
import { plural } from '../report/format.ts';
import { DEFAULTS } from '../settings.ts';
import { startWatchDashboard, type UiSettings, type WatchDashboard } from '../dashboard/start-dashboard.ts';
import { openCatalog } from '../catalog/open-catalog.ts';
import { uiOptions, uiSettingsOf } from './ui-options.ts';
import { MAX_TIMER_MS } from '../settings.ts';

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A yargs `coerce` for a duration like `10m`, `1h`, `30s` or `1h30m`; a bare number is milliseconds. */
export function duration(flag: string, minMs = 0, maxMs = Number.POSITIVE_INFINITY) {
  return (raw: unknown): number | undefined => {
    if (raw === undefined) return undefined;
    const text = String(raw).trim();
    const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d)?)+$/.test(text) ? [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)?/g)] : [];
    // a unit-less number is only allowed alone: "1h30" is ambiguous
    const ambiguous = parts.length > 1 && parts.some((part) => !part[2]);
    const ms = parts.reduce((sum, part) => sum + Number(part[1]) * durationUnits[part[2] ?? 'ms'], 0);
    if (parts.length === 0 || ambiguous || !(ms >= minMs && ms <= maxMs) || !Number.isFinite(ms)) {
      const bounds = [
        minMs > 0 ? ` of at least ${minMs / 1000} s` : '',
        maxMs < Number.POSITIVE_INFINITY ? ` up to ${formatDuration(maxMs)}` : '',
      ].join('');
      throw new InputError(`invalid ${flag} "${raw}": expected a duration like 10m, 1h or 30s${bounds}`);
    }
    return ms;
  };
}

/** A yargs `coerce` for a `YYYY-MM-DDTHH:MM:SS` UTC time that names the flag and the whole value when it is not one. */
function utcTime(flag: string) {
  return (raw: unknown): string | undefined => {
    if (raw === undefined) return undefined;
    try {
      parseTimestamp(String(raw));
    } catch {
      throw new InputError(`invalid ${flag} "${raw}": expected a UTC time YYYY-MM-DDTHH:MM:SS`);
    }
    return String(raw);
  };
}

export function watchOptions<T>(yargs: Argv<T>) {
  return uiOptions(
    fetchOptions(
      yargs
        .option('every', {
          coerce: duration('--every', 1000, MAX_TIMER_MS),
          default: DEFAULTS.everyMs,
          defaultDescription: '10m',
          describe: 'Time between cycles (10m, 1h, 30s; a bare number is ms)',
        })
        .option('settle', {
          coerce: duration('--settle', 0, DAY_MS),
          default: DEFAULTS.settleMs,
          defaultDescription: '1h',
          describe: 'How long after midnight (UTC) the previous day is still fetched',
        }),
    )
      .option('metrics-port', {
        coerce: wholeNumber('--metrics-port', 0, 65_535),
        describe: 'Serve Prometheus metrics (/metrics) and /healthz on this port (0 picks a free one)',
      })
      .option('metrics-host', {
        type: 'string',
        default: '127.0.0.1',
        describe: 'Address the metrics server listens on (0.0.0.0: every network of this machine)',
      })
      .option('max-cycles', {
        coerce: wholeNumber('--max-cycles', 1),
        describe: 'Stop after N cycles (default: run until Ctrl-C or SIGTERM)',
      })
      .option('clock-from', {
        type: 'string',
        coerce: utcTime('--clock-from'),
        describe: 'For demos against the simulator: the clock starts at this UTC time (YYYY-MM-DDTHH:MM:SS)',
      })
      .option('clock-speed', {
        coerce: positiveNumber('--clock-speed'),
        describe: 'For demos against the simulator: the clock runs N times faster than real time',
      }),
  ).epilogue(WATCH_EXIT_CODES_HELP);
}

const WATCH_EXIT_CODES_HELP = `Exit codes:
  0    stopped by Ctrl-C or SIGTERM (the cycle running was drained: frames in flight finished, the catalog saved) or after --max-cycles; a failed cycle never stops the watch
  1    an error it could not get past at start (e.g. the catalog cannot be opened)
  2    bad usage or input: nothing was downloaded or written
  130  a second Ctrl-C: the frames in flight were aborted`;

type WatchArgs = Awaited<ReturnType<typeof watchOptions>['argv']> & LogOptions;

function clockOf(args: WatchArgs): WatchClock | undefined {
  if (args.clockFrom === undefined && args.clockSpeed === undefined) return undefined;
  const start = args.clockFrom === undefined ? Date.now() : parseTimestamp(args.clockFrom);
  return simulatedClock(start, args.clockSpeed ?? 1);
}

/**
 * `draydog watch`: a cycle now and every `--every`, until SIGINT or SIGTERM. The first signal drains
 * (no new cycle or frame starts, frames in flight finish, the catalog is saved) and the exit code is
 * 0: stopping a watch is how it is meant to end. A second signal aborts what is in flight: exit 130.
 */
export async function watchCommand(args: WatchArgs, io: CliIo): Promise<number> {
  const logger = createLogger(io, args);
  const clock = clockOf(args);
  const settings = fetchSettingsOf(args);
  // a bucket that is missing or refuses the key is bad input at the start, not a failed cycle each time
  if (isObjectStoreUrl(args.out)) {
    parseObjectStoreUrl(args.out);
    await assertArchiveReachable(settings);
  }
  const { baseUrl } = withoutCredentials(settings.baseUrl);
  const everyMs = args.every ?? DEFAULTS.everyMs;
  const metrics = new WatchMetrics({ everyMs, clock: clock ? () => clock.now() : Date.now });
  const interruption = listenForInterruption(logger, "the cycle's frames");
  const options: WatchOptions = {
    everyMs,
    settleMs: args.settle ?? DEFAULTS.settleMs,
    clock,
    ...settings,
    maxCycles: args.maxCycles,
    signal: interruption.drain,
    abortSignal: interruption.cancel,
    metrics,
    logger,
  };
  let server: MetricsServer | undefined;
  let dashboard: WatchDashboard | undefined;
  let orm: CatalogOrm | undefined;
  const ui = dashboardSettingsOf(args);
  try {
    validateWatchOptions(options);
    if (ui) {
      // the dashboard serves /metrics and /healthz too: one server, not two; it reads the watch's own catalog
      orm = await openCatalog({ dbPath: args.db });
      const now = clock ? () => clock.now() : Date.now;
      dashboard = await startWatchDashboard({
        ui,
        env: io.env,
        logger,
        orm,
        out: args.out,
        metrics,
        clock: now,
        terminal: args.terminal,
        intervalMinutes: settings.intervalMinutes,
      });
    } else if (args.metricsPort !== undefined) {
      server = await serveMetrics(metrics, { port: args.metricsPort, host: args.metricsHost });
      logger.info(
        { url: `${server.url}/metrics`, host: server.host, port: server.port },
        `metrics at ${server.url}/metrics, health at ${server.url}/healthz`,
      );
    }
    logger.info(
      {
        every: everyMs,
        settle: args.settle,
        out: args.out,
        db: shownCatalog(args.db),
        baseUrl,
        ...(clock ? { clockFrom: args.clockFrom ?? 'now', clockSpeed: clock.speed } : {}),
      },
      `watching ${(args.streams ?? DEFAULTS.streams).join(', ')}: a cycle every ${formatEvery(everyMs)}`,
    );
    const result = await watch(dashboard ? { ...options, orm, ...dashboard.hooks } : options);
    printSummary(io, logger, `Stopped after ${plural(result.cycles, 'cycle')} (${result.failedCycles} failed).`, {
      cycles: result.cycles,
      failedCycles: result.failedCycles,
    });
    return interruption.forced() ? ExitCode.interrupted : ExitCode.ok;
  } finally {
    interruption.dispose();
    await server?.close();
    await dashboard?.close();
    await orm?.close();
  }
}

/** `--ui`, on `--metrics-port` when that is given without another port: the watch has one server. */
function dashboardSettingsOf(args: WatchArgs): UiSettings | undefined {
  const ui = uiSettingsOf(args);
  if (!ui || args.metricsPort === undefined) return ui;
  if (ui.port !== 0 && ui.port !== args.metricsPort) {
    throw new InputError(
      `invalid --metrics-port "${args.metricsPort}" with --ui "${ui.port}": the dashboard serves /metrics and /healthz on its own port; give one of them`,
    );
  }
  return { ...ui, port: args.metricsPort };
}

function formatEvery(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}
