import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CatalogOrm } from '../catalog/catalog-location.ts';
import type { DayReading } from '../discovery/completeness.ts';
import { InputError } from '../errors.ts';
import {
  catalogCoverage,
  sumOf,
  type Counts,
  type Coverage,
  type CoverageOptions,
  type HourCoverage,
  type StreamCoverage,
} from '../catalog/coverage.ts';
import { openCatalog } from '../catalog/open-catalog.ts';
import type { StaleRun } from '../catalog/stale-frames.ts';
import { writeFileAtomically } from '../disk/disk-store.ts';
import { formatBytes } from './format.ts';
import { html, raw, type Html } from './html.ts';

/** Beyond this many gaps per stream only the longest are listed (the heatmap still shows them all). */
const MAX_LISTED_GAPS = 300;

/** Frames expected and neither held nor answered missing by the CDN: never asked for (or failed). */
const unasked = ({ present, expected, missing }: Counts) => Math.max(0, expected - present - missing);

/** 0 (nothing), 1-3 (some), 4 (every expected frame); undefined when nothing is expected yet. */
export function coverageLevel(present: number, expected: number): number | undefined {
  if (expected === 0) return present > 0 ? 4 : undefined;
  const share = present / expected;
  if (share >= 1) return 4;
  if (share === 0) return 0;
  return share < 1 / 3 ? 1 : share < 2 / 3 ? 2 : 3;
}

function formatSeconds(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const parts = [days && `${days} d`, hours && `${hours} h`, minutes && `${minutes} min`].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : `${seconds} s`;
}

export const percent = (present: number, expected: number) =>
  expected === 0 ? '–' : `${Math.floor((Math.min(present, expected) / expected) * 1000) / 10} %`;

const STYLE = raw(`
:root { color-scheme: light; --l0: #d73027; --l1: #fc8d59; --l2: #fee090; --l3: #91bfdb; --l4: #4575b4; --none: #f0f0f0; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #222; margin: 24px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p.meta, p.summary { margin: 0 0 12px; color: #555; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; align-items: center; margin: 8px 0 16px; font-size: 13px; }
.legend span.swatch { display: inline-block; width: 16px; height: 16px; vertical-align: -3px; margin-right: 4px; border: 1px solid #bbb; position: relative; }
table { border-collapse: collapse; }
table.heatmap td, table.heatmap th { padding: 0; text-align: center; font-size: 12px; }
table.heatmap th { font-weight: 600; color: #555; padding: 2px 3px; }
table.heatmap th.date { text-align: left; padding-right: 8px; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.heatmap td.cell { width: 30px; height: 26px; border: 1px solid #fff; color: #111; position: relative; font-variant-numeric: tabular-nums; }
table.heatmap td.total { padding: 0 8px; text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; color: #333; }
table.heatmap td.total.first { border-left: 2px solid #999; }
.l0 { background: var(--l0); color: #fff !important; } .l1 { background: var(--l1); } .l2 { background: var(--l2); }
.l3 { background: var(--l3); } .l4 { background: var(--l4); color: #fff !important; }
.unasked { background: #bdbdbd; }
.none { background: repeating-linear-gradient(45deg, var(--none), var(--none) 3px, #fff 3px, #fff 6px); color: #999 !important; }
.thumbs::after { content: ""; position: absolute; top: 2px; right: 2px; width: 6px; height: 6px; border-radius: 50%; background: #111; box-shadow: 0 0 0 1.5px #fff; }
ol.gaps { columns: 30em auto; column-gap: 32px; padding: 0; margin: 0; list-style: none; font-size: 13px; font-variant-numeric: tabular-nums; }
ol.gaps li { break-inside: avoid; padding: 2px 0; border-bottom: 1px solid #eee; display: grid; grid-template-columns: minmax(0, 1fr) auto auto; gap: 8px; }
ol.gaps li .length, ol.gaps li .missing { text-align: right; white-space: nowrap; } ol.gaps li .missing { color: #666; }
ol.gaps li.long { font-weight: 700; color: #a50026; }
table.discovery td, table.discovery th { padding: 2px 8px; text-align: left; border-bottom: 1px solid #eee; }
table.discovery tr.incomplete td { color: #a50026; font-weight: 600; }
.empty { color: #777; font-style: italic; }
ol.stale { padding: 0; margin: 0; list-style: none; font-size: 13px; font-variant-numeric: tabular-nums; color: #a50026; }
ol.stale .sha { color: #666; font-family: monospace; }
`);

/** The cell's class: its coverage level, `none` when nothing is due yet, `unasked` when no frame is there and the CDN was never asked (or its frames failed). */
export function cellLevel(cell: HourCoverage): string {
  const level = coverageLevel(cell.present, cell.expected);
  if (level === undefined) return 'none';
  return level === 0 && cell.missing === 0 ? 'unasked' : `l${level}`;
}

function renderCell(stream: StreamCoverage, date: string, cell: HourCoverage): Html {
  const level = cellLevel(cell);
  const classes = ['cell', level, ...(cell.thumbnails > 0 ? ['thumbs'] : [])].join(' ');
  const hour = String(cell.hour).padStart(2, '0');
  const title =
    `${stream.stream} ${date} ${hour}:00-${hour}:59 UTC: ${cell.present} of ${cell.expected} frames` +
    (cell.thumbnails > 0 ? `, ${cell.thumbnails} thumbnail only` : '') +
    (cell.missing > 0 ? `, ${cell.missing} answered missing by the CDN` : '') +
    (unasked(cell) > 0 ? `, ${unasked(cell)} never asked for (or failed)` : '');
  const shown = (cell.expected === 0 && cell.present === 0) || level === 'unasked' ? '' : cell.present;
  return html`<td class="${classes}" data-stream="${stream.stream}" data-date="${date}" data-hour="${cell.hour}" data-present="${cell.present}" data-expected="${cell.expected}" data-thumbnails="${cell.thumbnails}" data-missing="${cell.missing}" data-level="${level.replace(/^l/, '')}" title="${title}">${shown}</td>`;
}

/** Frames, expected, share, answered missing and never asked, as the table cells of a day, a stream or all of them. */
function countCells(counts: Counts & { bytes: number }): Html {
  return html`<td class="total first" data-total="present">${counts.present}</td><td class="total" data-total="expected">${counts.expected}</td>\
<td class="total">${percent(counts.present, counts.expected)}</td><td class="total" data-total="missing">${counts.missing}</td>\
<td class="total" data-total="unasked">${unasked(counts)}</td><td class="total" data-total="thumbnails">${counts.thumbnails}</td><td class="total">${formatBytes(counts.bytes)}</td>`;
}

const COUNT_HEADERS = raw(
  '<th>frames</th><th>expected</th><th>%</th><th title="answered missing by the CDN">CDN missing</th><th title="never asked for, or failed">not asked</th><th>thumbs</th><th>size</th>',
);

/** Every stream's totals and those of all streams together. */
function renderTotals(streams: readonly StreamCoverage[]): Html {
  const all = { ...sumOf(streams), bytes: streams.reduce((sum, stream) => sum + stream.bytes, 0) };
  const rows = streams.map(
    (stream) => html`<tr data-stream="${stream.stream}"><th scope="row">${stream.terminal} / ${stream.stream}</th>${countCells(stream)}</tr>
`,
  );
  return html`<table class="totals heatmap">
<thead><tr><th>stream</th>${COUNT_HEADERS}</tr></thead>
<tbody>
${rows}
<tr class="all" data-stream="all"><th scope="row">all streams</th>${countCells(all)}</tr>
</tbody>
</table>`;
}

function renderStream(stream: StreamCoverage): Html {
  const id = `stream-${stream.terminal}-${stream.stream}`.replace(/[^a-z0-9_-]/gi, '-');
  const hoursHeader = Array.from({ length: 24 }, (_, hour) => html`<th scope="col">${String(hour).padStart(2, '0')}</th>`);
  const rows = stream.days.map(
    (
      day,
    ) => html`<tr data-date="${day.date}"><th scope="row" class="date">${day.date}</th>${day.hours.map((cell) => renderCell(stream, day.date, cell))}${countCells(day)}</tr>
`,
  );
  const longest = stream.gaps.reduce((max, gap) => Math.max(max, gap.seconds), 0);
  // the long gaps first: the many one-frame gaps would drown them
  const listed = [...stream.gaps].sort((a, b) => b.seconds - a.seconds || a.from.localeCompare(b.from)).slice(0, MAX_LISTED_GAPS);
  const gapItems = listed.map((gap) => {
    const sameDay = gap.from.slice(0, 10) === gap.to.slice(0, 10);
    const to = sameDay ? gap.to.slice(11, 16) : gap.to.slice(0, 16).replace('T', ' ');
    return html`<li${gap.seconds >= 3600 ? raw(' class="long"') : ''} data-gap-from="${gap.from}" data-gap-to="${gap.to}" data-gap-seconds="${gap.seconds}" data-gap-missing="${gap.missingFrames}">\
<span class="when">${gap.from.slice(0, 16).replace('T', ' ')} &rarr; ${to}</span> <span class="length">${formatSeconds(gap.seconds)}</span> \
<span class="missing">${gap.missingFrames} missing</span></li>
`;
  });
  const unlisted = stream.gaps.length - listed.length;
  const gapsList =
    stream.gaps.length === 0
      ? html`<p class="empty">No gaps: every expected frame is there.</p>`
      : html`<ol class="gaps">
${gapItems}</ol>${unlisted > 0 ? html`<p class="empty">${unlisted} shorter gaps not listed.</p>` : ''}`;
  return html`<section class="stream" id="${id}" data-stream="${stream.stream}" data-terminal="${stream.terminal}">
<h2>${stream.terminal} / ${stream.stream}</h2>
<p class="summary">${stream.present} of ${stream.expected} expected frames (${percent(stream.present, stream.expected)}), ${stream.thumbnails} thumbnails only, ${formatBytes(stream.bytes)};
${stream.gaps.length} ${stream.gaps.length === 1 ? 'gap' : 'gaps'}${stream.gaps.length > 0 ? `, the longest ${formatSeconds(longest)}` : ''}.</p>
<table class="heatmap">
<thead><tr><th class="date">date (UTC)</th>${hoursHeader}${COUNT_HEADERS}</tr></thead>
<tbody>
${rows}</tbody>
</table>
<h3>Gaps (${stream.gaps.length})</h3>
<p class="meta">The longest first. From the last frame before each gap to the first after it (or the edge of the range); gaps of an hour or more in bold.</p>
${gapsList}
${renderStaleRuns(stream.staleRuns)}
</section>`;
}

/** The runs of identical frames of a stream, or nothing when it has none. */
function renderStaleRuns(runs: readonly StaleRun[]): Html | '' {
  if (runs.length === 0) return '';
  const items = runs.map(
    (run) =>
      html`<li data-stale-first="${run.first}" data-stale-last="${run.last}" data-stale-frames="${run.frames}">\
${run.first.replace('T', ' ')} &rarr; ${run.last.slice(11)}: ${run.frames} identical frames <span class="sha">${run.sha256.slice(0, 12)}</span></li>
`,
  );
  return html`<h3>Identical frames in a row (${runs.length})</h3>
<p class="meta">The same picture, byte for byte, frame after frame: the camera may have hung.</p>
<ol class="stale">
${items}</ol>`;
}

/** What discovery said of the days it read: the days read short, named, or that every day was read whole. */
function renderDiscovery(readings: readonly DayReading[] | undefined): Html | '' {
  if (!readings || readings.length === 0) return '';
  const short = readings.filter(({ status }) => status !== 'complete');
  if (short.length === 0)
    return html`<p class="summary discovery">Discovery read every day's history page whole (${readings.length} days x streams).</p>`;
  const rows = short.map(
    (reading) =>
      html`<tr class="${reading.status}"><td>${reading.date}</td><td>${reading.stream}</td><td>${reading.found}</td><td>${reading.expected ?? '–'}</td><td>${reading.status}</td><td>${reading.note ?? ''}</td></tr>
`,
  );
  return html`<section class="discovery">
<h2>Days the history page listed short</h2>
<p class="summary">The frames of these days are not all in the archive: a rerun reads their pages again.</p>
<table class="discovery"><tr><th>date</th><th>stream</th><th>found</th><th>the page says</th><th>status</th><th>why</th></tr>
${rows}</table>
</section>`;
}

/** One self-contained HTML page (inline CSS, no script, nothing fetched): a heatmap of days x hours per stream, gaps and totals, and the days discovery read short. */
export function renderHtmlReport(coverage: Coverage, discovery?: readonly DayReading[]): string {
  const perHour = 60 / coverage.intervalMinutes;
  const swatch = (cls: string, text: string) => html`<span><span class="swatch ${cls}"></span>${text}</span>`;
  const legend = [
    swatch('l0', 'no frame: the CDN answered missing'),
    swatch('unasked', 'no frame: never asked for (or failed)'),
    swatch('l1', 'less than 1/3'),
    swatch('l2', '1/3 to less than 2/3'),
    swatch('l3', '2/3 or more'),
    swatch('l4', 'every frame'),
    swatch('none', 'not due yet'),
    swatch('thumbs', 'some frames only as thumbnails'),
  ];
  const body = coverage.streams.length === 0 ? html`<p class="empty">The catalog holds no frames.</p>` : coverage.streams.map(renderStream);
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>draydog coverage ${coverage.from} to ${coverage.to}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Frames in the archive, ${coverage.from} to ${coverage.to}</h1>
<p class="meta">Each cell is one hour (UTC) of one day: the number of frames the catalog holds, colored by its share of the ${Number.isInteger(perHour) ? perHour : perHour.toFixed(1)} expected on the ${coverage.intervalMinutes}-minute grid. Generated ${coverage.generatedAt.replace('T', ' ').slice(0, 19)} UTC by draydog.</p>
<div class="legend">${legend}</div>
${renderDiscovery(discovery)}
${coverage.streams.length === 0 ? '' : renderTotals(coverage.streams)}
${body}
</body>
</html>
`.toString();
}

export interface WriteHtmlReportOptions extends CoverageOptions {
  /** How completely discovery read each day (a download report's `discovery`). */
  readonly discovery?: readonly DayReading[];
}

/** What every page `renderHtmlReport` wrote has, well within its first KB. */
const reportSignature = '<title>draydog coverage ';

/** Refuses to replace a file at `path` that is not an HTML report draydog wrote (a catalog, a user's page). */
export function assertHtmlReportPath(path: string): void {
  const existing = statSync(path, { throwIfNoEntry: false });
  if (!existing) return;
  let head = '';
  if (existing.isFile()) {
    const fd = openSync(path, 'r');
    try {
      const bytes = Buffer.alloc(1024);
      head = bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  }
  if (!head.startsWith('<!DOCTYPE html>') || !head.includes(reportSignature)) {
    throw new InputError(`invalid --html "${path}": the file exists and is not a draydog HTML report`);
  }
}

/** Writes the HTML coverage report of the catalog to `path` (atomically, never over a file that is not one) and returns the path. */
export async function writeHtmlReport(orm: CatalogOrm, path: string, options: WriteHtmlReportOptions = {}): Promise<string> {
  assertHtmlReportPath(path);
  const html = renderHtmlReport(await catalogCoverage(orm, options), options.discovery);
  mkdirSync(dirname(path), { recursive: true });
  await writeFileAtomically(path, Buffer.from(html));
  return path;
}

/** The first and last date (`YYYY-MM-DD`) of a download report's `perDateStream` keys, if any. */
export function reportDateRange(perDateStream: Readonly<Record<string, unknown>>): { from?: string; to?: string } {
  const dates = Object.keys(perDateStream)
    .map((key) => key.slice(0, 10))
    .sort();
  return dates.length === 0 ? {} : { from: dates[0], to: dates.at(-1) };
}

/** `writeHtmlReport` on the catalog at `dbPath`, opened and closed for it. */
export async function writeHtmlReportOfCatalog(dbPath: string, path: string, options: WriteHtmlReportOptions = {}): Promise<string> {
  const orm = await openCatalog({ dbPath });
  try {
    return await writeHtmlReport(orm, path, options);
  } finally {
    await orm.close();
  }
}
