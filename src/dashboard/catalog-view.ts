import { resolve } from 'node:path';
import type { CatalogOrm } from '../catalog/catalog-location.ts';
import { DAY_MS, formatDate, parseDate } from '../frame/time.ts';
import { cellLevel } from '../report/html-report.ts';
import { catalogCoverage, type HourCoverage } from '../catalog/coverage.ts';
import type { FleetStatus } from '../fleet/fleet-queue.ts';
import type { NewestFrame } from './run-state.ts';

/** The heatmap never shows more days than this: a run over years shows the month it is in. */
const MAX_HEATMAP_DAYS = 31;

/**
 * What a heatmap cell tells: `l1`-`l4` the share of the expected frames held, `l0` none because the
 * CDN answered them missing, `failed` some failed in this run (and the hour is not whole), `unasked`
 * none held and never asked for, `none` nothing due yet.
 */
export type CellKind = 'l0' | 'l1' | 'l2' | 'l3' | 'l4' | 'failed' | 'unasked' | 'none';

export interface CoverageCell extends HourCoverage {
  readonly failed: number;
  readonly kind: CellKind;
}

export interface CoverageView {
  readonly from: string;
  readonly to: string;
  readonly streams: readonly {
    readonly stream: string;
    readonly days: readonly { readonly date: string; readonly cells: readonly CoverageCell[] }[];
  }[];
}

export interface CatalogView {
  readonly coverage: CoverageView;
  /** The newest cataloged frame of each stream. */
  readonly newest: Readonly<Record<string, NewestFrame>>;
  /** The fleet whose catalog this is, read from its queue with the catalog, when the dashboard watches one. */
  readonly fleet?: FleetView;
}

export interface FleetView extends FleetStatus {
  readonly name: string;
}

export interface CatalogViewOptions {
  readonly from: string;
  readonly to: string;
  readonly terminal?: string;
  readonly intervalMinutes?: number;
  /** The run's clock: hours after it are not due. */
  readonly now: number;
  /** The archive's root: catalog paths are relative to it. */
  readonly out: string;
  /** Frames of the run that failed in a stream's hour (`YYYY-MM-DDTHH`); the catalog does not record failures. */
  readonly failedIn?: (stream: string, hour: string) => number;
}

export function cellKind(cell: HourCoverage, failed: number): CellKind {
  if (failed > 0 && cell.present < cell.expected) return 'failed';
  return cellLevel(cell) as CellKind;
}

/**
 * The dates the heatmap shows of `range`: all of them up to `MAX_HEATMAP_DAYS`; of a longer range,
 * that many ending at `focus` (the newest date the run reached), kept inside the range.
 */
export function heatmapWindow(range: { readonly from: string; readonly to: string }, focus?: string): { from: string; to: string } {
  const first = parseDate(range.from);
  const last = parseDate(range.to);
  const span = (MAX_HEATMAP_DAYS - 1) * DAY_MS;
  if (last - first <= span) return { from: range.from, to: range.to };
  const end = Math.min(last, Math.max(first + span, focus ? parseDate(focus) : first));
  return { from: formatDate(end - span), to: formatDate(end) };
}

/** The heatmap of the HTML report (`catalogCoverage`) with this run's failures, and the newest frame of each stream. */
export async function readCatalogView(orm: CatalogOrm, options: CatalogViewOptions): Promise<CatalogView> {
  const { from, to, terminal, intervalMinutes, now, out, failedIn = () => 0 } = options;
  const coverage = await catalogCoverage(orm, { from, to, terminal, intervalMinutes, now });
  const streams = coverage.streams.map(({ stream, days }) => ({
    stream,
    days: days.map(({ date, hours }) => ({
      date,
      cells: hours.map((cell) => {
        const failed = failedIn(stream, `${date}T${String(cell.hour).padStart(2, '0')}`);
        return { ...cell, failed, kind: cellKind(cell, failed) };
      }),
    })),
  }));
  const rows = await orm.em.getConnection().execute<{ stream: string; captured_at: string; file_path: string }[]>(
    `select stream, captured_at, file_path from images as newest
      where (? is null or terminal = ?)
        and captured_at = (select max(captured_at) from images where terminal = newest.terminal and stream = newest.stream)`,
    [terminal ?? null, terminal ?? null],
  );
  const newest = Object.fromEntries(
    rows.map((row) => [String(row.stream), { capturedAt: String(row.captured_at), path: resolve(out, String(row.file_path)) }]),
  );
  return { coverage: { from: coverage.from, to: coverage.to, streams }, newest };
}
