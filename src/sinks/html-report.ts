import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CatalogOrm } from './catalog-location.ts';
import { secondsBetween } from './catalog-sql.ts';
import type { DayReading } from '../discovery/completeness.ts';
import { formatBytes } from '../format.ts';
import { DAY_MS, formatDate, formatTimestamp, InputError, parseDate, parseTimestamp } from '../frame-time.ts';
import { openCatalog } from './open-catalog.ts';
import { staleRuns, type StaleRun } from './stale-frames.ts';
import { writeFileAtomically } from './write-to-disk.ts';

const HOUR_MS = 3_600_000;
/** Beyond this many gaps per stream only the longest are listed (the heatmap still shows them all). */
const MAX_LISTED_GAPS = 300;

export interface CoverageOptions {
  /** First and last date, `YYYY-MM-DD`, inclusive; by default the first and last date the catalog holds. */
  readonly from?: string;
  readonly to?: string;
  readonly terminal?: string;
  /** The camera's frame interval: an hour is expected to hold 60 / interval frames (default 10 minutes: 6). */
  readonly intervalMinutes?: number;
  /** Time of the report, ms since the epoch: frames after it are not expected yet. */
  readonly now?: number;
}

export interface HourCoverage {
  readonly hour: number;
  readonly present: number;
  /** Grid slots of the hour up to the report's time. */
  readonly expected: number;
  readonly thumbnails: number;
  /** Frames of the hour the CDN answered missing (and the catalog does not hold): the rest of what is not there was never asked for, or failed. */
  readonly missing: number;
}

export interface DayCoverage {
  readonly date: string;
  readonly hours: readonly HourCoverage[];
  readonly present: number;
  readonly expected: number;
  readonly thumbnails: number;
  readonly missing: number;
  readonly bytes: number;
}

/** A stretch without frames: from the last frame before it to the first after it (or the edge of the range). */
export interface CoverageGap {
  /** `YYYY-MM-DDTHH:MM:SS` (UTC): the last frame before the gap, or where the range starts. */
  readonly from: string;
  /** The first frame after the gap, or where the range (or the report's time) ends. */
  readonly to: string;
  readonly seconds: number;
  /** Grid slots inside the gap. */
  readonly missingFrames: number;
}

export interface StreamCoverage {
  readonly terminal: string;
  readonly stream: string;
  readonly days: readonly DayCoverage[];
  /** In time order. */
  readonly gaps: readonly CoverageGap[];
  /** Runs of identical frames one after the other, in time order. */
  readonly staleRuns: readonly StaleRun[];
  readonly present: number;
  readonly expected: number;
  readonly thumbnails: number;
  readonly missing: number;
  readonly bytes: number;
}

export interface Coverage {
  readonly from: string;
  readonly to: string;
  readonly intervalMinutes: number;
  readonly generatedAt: string;
  readonly streams: readonly StreamCoverage[];
}

type Row = Record<string, unknown>;

/** Grid slots (`intervalMinutes` apart from midnight) in [start, end) that are not after `now`. */
export function slotsBetween(start: number, end: number, intervalMs: number, now: number): number {
  const dayStart = Math.floor(start / DAY_MS) * DAY_MS;
  const first = dayStart + Math.ceil((start - dayStart) / intervalMs) * intervalMs;
  const last = Math.min(end - 1, now);
  if (last < first) return 0;
  let count = 0;
  for (let day = dayStart; day <= last; day += DAY_MS) {
    const from = Math.max(first, day);
    const to = Math.min(last, day + DAY_MS - 1);
    if (to >= from) count += Math.floor((to - day) / intervalMs) - Math.ceil((from - day) / intervalMs) + 1;
  }
  return count;
}

/** Which frames the catalog holds per stream, day and hour, against what the grid expects, and the gaps. */
export async function catalogCoverage(orm: CatalogOrm, options: CoverageOptions = {}): Promise<Coverage> {
  const { terminal, intervalMinutes = 10, now = Date.now() } = options;
  if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1 || intervalMinutes > 1440) {
    throw new InputError(`invalid interval "${intervalMinutes}": expected whole minutes from 1 to 1440`);
  }
  const connection = orm.em.getConnection();
  const byTerminal = '(? is null or terminal = ?)';
  const terminalParams = [terminal ?? null, terminal ?? null];
  const [bounds] = await connection.execute<Row[]>(`select min(captured_at) as first, max(captured_at) as last from images where ${byTerminal}`, terminalParams);
  const from = options.from ?? (bounds?.first ? String(bounds.first).slice(0, 10) : formatDate(now));
  const to = options.to ?? (bounds?.last ? String(bounds.last).slice(0, 10) : from);
  const rangeStart = parseDate(from, '--from date');
  const rangeEnd = parseDate(to, '--to date') + DAY_MS;
  if (rangeEnd <= rangeStart) throw new InputError(`invalid date range: --to ${to} is before --from ${from}`);
  const inRange = `captured_at >= ? and captured_at < ? and ${byTerminal}`;
  const rangeParams = [from, `${to}T99`, ...terminalParams];
  const intervalMs = intervalMinutes * 60_000;

  const streams = await connection.execute<Row[]>(`select distinct terminal, stream from images where ${byTerminal} order by terminal, stream`, terminalParams);
  const hours = await connection.execute<Row[]>(
    `select terminal, stream, substr(captured_at, 1, 13) as hour, count(*) as frames,
            sum(case when variant = 'thumbnail' then 1 else 0 end) as thumbnails, sum(file_size) as bytes
       from images where ${inRange} group by terminal, stream, hour`,
    rangeParams,
  );
  // Consecutive frames at least two intervals apart: at least one grid slot between them is empty.
  const gapRows = await connection.execute<Row[]>(
    `select terminal, stream, previous, captured_at as next from (
       select terminal, stream, captured_at,
              lag(captured_at) over (partition by terminal, stream order by captured_at) as previous
         from images where ${inRange}) as consecutive
      where previous is not null and ${secondsBetween(orm, 'captured_at', 'previous')} >= ?
      order by terminal, stream, captured_at`,
    [...rangeParams, (2 * intervalMs) / 1000],
  );
  // the CDN's answers of earlier runs (today's table and the one of earlier versions), for frames the catalog does not hold
  const misses = await connection.execute<Row[]>(
    `select terminal, stream, substr(captured_at, 1, 13) as hour, count(*) as missing from (
       select terminal, stream, captured_at from cdn_missing_frames
        union select terminal, stream, captured_at from missing_frames) as answered
      where ${inRange}
        and not exists (select 1 from images where images.terminal = answered.terminal and images.stream = answered.stream and images.captured_at = answered.captured_at)
      group by terminal, stream, hour`,
    rangeParams,
  );
  const edges = await connection.execute<Row[]>(
    `select terminal, stream, min(captured_at) as first, max(captured_at) as last from images where ${inRange} group by terminal, stream`,
    rangeParams,
  );

  const runs = await staleRuns(orm, { from, to, terminal });
  const key = (row: Row) => `${row.terminal}/${row.stream}`;
  const hourCounts = new Map<string, Row>(hours.map((row) => [`${key(row)}/${row.hour}`, row]));
  const missingCounts = new Map<string, number>(misses.map((row) => [`${key(row)}/${row.hour}`, Number(row.missing)]));
  const end = Math.min(rangeEnd, Math.max(now, rangeStart));
  /** A gap from `fromMs` to `toMs`; its missing frames are the grid slots from `slotsFrom` (inclusive) to `toMs` (exclusive). */
  const gap = (fromMs: number, toMs: number, slotsFrom: number): CoverageGap => ({
    from: formatTimestamp(fromMs),
    to: formatTimestamp(toMs),
    seconds: Math.round((toMs - fromMs) / 1000),
    missingFrames: slotsBetween(slotsFrom, toMs, intervalMs, Number.POSITIVE_INFINITY),
  });

  const result: StreamCoverage[] = streams.map((stream) => {
    const days: DayCoverage[] = [];
    for (let day = rangeStart; day < rangeEnd; day += DAY_MS) {
      const date = formatDate(day);
      const cells: HourCoverage[] = Array.from({ length: 24 }, (_, hour) => {
        const hourKey = `${key(stream)}/${date}T${String(hour).padStart(2, '0')}`;
        const row = hourCounts.get(hourKey);
        const start = day + hour * HOUR_MS;
        const expected = slotsBetween(start, start + HOUR_MS, intervalMs, now);
        return { hour, present: Number(row?.frames ?? 0), expected, thumbnails: Number(row?.thumbnails ?? 0), missing: missingCounts.get(hourKey) ?? 0 };
      });
      const bytes = cells.reduce((sum, cell) => sum + Number(hourCounts.get(`${key(stream)}/${date}T${String(cell.hour).padStart(2, '0')}`)?.bytes ?? 0), 0);
      days.push({ date, hours: cells, ...sumOf(cells), bytes });
    }
    const gaps: CoverageGap[] = [];
    const edge = edges.find((row) => key(row) === key(stream));
    if (!edge) {
      if (end > rangeStart) gaps.push(gap(rangeStart, end, rangeStart));
    } else {
      const first = parseTimestamp(String(edge.first));
      const last = parseTimestamp(String(edge.last));
      // The range counts as starting with a frame one interval before its first slot, and ending with one at its end.
      if (first - rangeStart >= intervalMs && end > rangeStart) gaps.push(gap(rangeStart, first, rangeStart));
      for (const row of gapRows.filter((candidate) => key(candidate) === key(stream))) {
        const previous = parseTimestamp(String(row.previous));
        gaps.push(gap(previous, parseTimestamp(String(row.next)), previous + 1));
      }
      if (end - last >= 2 * intervalMs) gaps.push(gap(last, end, last + 1));
    }
    const totals = { ...sumOf(days), bytes: days.reduce((sum, day) => sum + day.bytes, 0) };
    const streamRuns = runs.filter((run) => run.terminal === stream.terminal && run.stream === stream.stream);
    return { terminal: String(stream.terminal), stream: String(stream.stream), days, gaps, staleRuns: streamRuns, ...totals };
  });
  return { from, to, intervalMinutes, generatedAt: new Date(now).toISOString(), streams: result };
}

type Counts = Pick<HourCoverage, 'present' | 'expected' | 'thumbnails' | 'missing'>;

function sumOf(parts: readonly Counts[]): Counts {
  return parts.reduce(
    (sum, part) => ({ present: sum.present + part.present, expected: sum.expected + part.expected, thumbnails: sum.thumbnails + part.thumbnails, missing: sum.missing + part.missing }),
    { present: 0, expected: 0, thumbnails: 0, missing: 0 },
  );
}

/** Frames expected and neither held nor answered missing by the CDN: never asked for (or failed). */
const unasked = ({ present, expected, missing }: Counts) => Math.max(0, expected - present - missing);

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

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

export const percent = (present: number, expected: number) => (expected === 0 ? '–' : `${Math.floor((Math.min(present, expected) / expected) * 1000) / 10} %`);

const STYLE = `
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
`;

/** The cell's class: its coverage level, `none` when nothing is due yet, `unasked` when no frame is there and the CDN was never asked (or its frames failed). */
function cellLevel(cell: HourCoverage): string {
  const level = coverageLevel(cell.present, cell.expected);
  if (level === undefined) return 'none';
  return level === 0 && cell.missing === 0 ? 'unasked' : `l${level}`;
}

function renderCell(stream: StreamCoverage, date: string, cell: HourCoverage): string {
  const level = cellLevel(cell);
  const classes = ['cell', level, ...(cell.thumbnails > 0 ? ['thumbs'] : [])].join(' ');
  const hour = String(cell.hour).padStart(2, '0');
  const title =
    `${stream.stream} ${date} ${hour}:00-${hour}:59 UTC: ${cell.present} of ${cell.expected} frames` +
    (cell.thumbnails > 0 ? `, ${cell.thumbnails} thumbnail only` : '') +
    (cell.missing > 0 ? `, ${cell.missing} answered missing by the CDN` : '') +
    (unasked(cell) > 0 ? `, ${unasked(cell)} never asked for (or failed)` : '');
  const data = `data-stream="${escapeHtml(stream.stream)}" data-date="${date}" data-hour="${cell.hour}" data-present="${cell.present}" data-expected="${cell.expected}" data-thumbnails="${cell.thumbnails}" data-missing="${cell.missing}" data-level="${level.replace(/^l/, '')}"`;
  return `<td class="${classes}" ${data} title="${escapeHtml(title)}">${(cell.expected === 0 && cell.present === 0) || level === 'unasked' ? '' : cell.present}</td>`;
}

/** Frames, expected, share, answered missing and never asked, as the table cells of a day, a stream or all of them. */
function countCells(counts: Counts & { bytes: number }): string {
  return (
    `<td class="total first" data-total="present">${counts.present}</td><td class="total" data-total="expected">${counts.expected}</td>` +
    `<td class="total">${percent(counts.present, counts.expected)}</td><td class="total" data-total="missing">${counts.missing}</td>` +
    `<td class="total" data-total="unasked">${unasked(counts)}</td><td class="total" data-total="thumbnails">${counts.thumbnails}</td><td class="total">${formatBytes(counts.bytes)}</td>`
  );
}

const COUNT_HEADERS = '<th>frames</th><th>expected</th><th>%</th><th title="answered missing by the CDN">CDN missing</th><th title="never asked for, or failed">not asked</th><th>thumbs</th><th>size</th>';

/** Every stream's totals and those of all streams together. */
function renderTotals(streams: readonly StreamCoverage[]): string {
  const all = { ...sumOf(streams), bytes: streams.reduce((sum, stream) => sum + stream.bytes, 0) };
  const rows = streams.map((stream) => `<tr data-stream="${escapeHtml(stream.stream)}"><th scope="row">${escapeHtml(stream.terminal)} / ${escapeHtml(stream.stream)}</th>${countCells(stream)}</tr>`);
  return `<table class="totals heatmap">
<thead><tr><th>stream</th>${COUNT_HEADERS}</tr></thead>
<tbody>
${rows.join('\n')}
<tr class="all" data-stream="all"><th scope="row">all streams</th>${countCells(all)}</tr>
</tbody>
</table>`;
}

function renderStream(stream: StreamCoverage): string {
  const id = `stream-${stream.terminal}-${stream.stream}`.replace(/[^a-z0-9_-]/gi, '-');
  const hoursHeader = Array.from({ length: 24 }, (_, hour) => `<th scope="col">${String(hour).padStart(2, '0')}</th>`).join('');
  const rows = stream.days
    .map((day) => {
      const cells = day.hours.map((cell) => renderCell(stream, day.date, cell)).join('');
      return `<tr data-date="${day.date}"><th scope="row" class="date">${day.date}</th>${cells}${countCells(day)}</tr>`;
    })
    .join('\n');
  const longest = stream.gaps.reduce((max, gap) => Math.max(max, gap.seconds), 0);
  // the long gaps first: the many one-frame gaps would drown them
  const listed = [...stream.gaps].sort((a, b) => b.seconds - a.seconds || a.from.localeCompare(b.from)).slice(0, MAX_LISTED_GAPS);
  const gapItems = listed
    .map((gap) => {
      const sameDay = gap.from.slice(0, 10) === gap.to.slice(0, 10);
      const to = sameDay ? gap.to.slice(11, 16) : gap.to.slice(0, 16).replace('T', ' ');
      const long = gap.seconds >= 3600 ? ' class="long"' : '';
      return (
        `<li${long} data-gap-from="${gap.from}" data-gap-to="${gap.to}" data-gap-seconds="${gap.seconds}" data-gap-missing="${gap.missingFrames}">` +
        `<span class="when">${gap.from.slice(0, 16).replace('T', ' ')} &rarr; ${to}</span> <span class="length">${formatSeconds(gap.seconds)}</span>` +
        ` <span class="missing">${gap.missingFrames} missing</span></li>`
      );
    })
    .join('\n');
  const gapsList =
    stream.gaps.length === 0
      ? '<p class="empty">No gaps: every expected frame is there.</p>'
      : `<ol class="gaps">\n${gapItems}\n</ol>` +
        (listed.length < stream.gaps.length ? `<p class="empty">${stream.gaps.length - listed.length} shorter gaps not listed.</p>` : '');
  return `<section class="stream" id="${escapeHtml(id)}" data-stream="${escapeHtml(stream.stream)}" data-terminal="${escapeHtml(stream.terminal)}">
<h2>${escapeHtml(stream.terminal)} / ${escapeHtml(stream.stream)}</h2>
<p class="summary">${stream.present} of ${stream.expected} expected frames (${percent(stream.present, stream.expected)}), ${stream.thumbnails} thumbnails only, ${formatBytes(stream.bytes)};
${stream.gaps.length} ${stream.gaps.length === 1 ? 'gap' : 'gaps'}${stream.gaps.length > 0 ? `, the longest ${formatSeconds(longest)}` : ''}.</p>
<table class="heatmap">
<thead><tr><th class="date">date (UTC)</th>${hoursHeader}${COUNT_HEADERS}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h3>Gaps (${stream.gaps.length})</h3>
<p class="meta">The longest first. From the last frame before each gap to the first after it (or the edge of the range); gaps of an hour or more in bold.</p>
${gapsList}
${renderStaleRuns(stream.staleRuns)}
</section>`;
}

/** The runs of identical frames of a stream, or nothing when it has none. */
function renderStaleRuns(runs: readonly StaleRun[]): string {
  if (runs.length === 0) return '';
  const items = runs.map(
    (run) =>
      `<li data-stale-first="${run.first}" data-stale-last="${run.last}" data-stale-frames="${run.frames}">` +
      `${escapeHtml(run.first.replace('T', ' '))} &rarr; ${escapeHtml(run.last.slice(11))}: ${run.frames} identical frames <span class="sha">${escapeHtml(run.sha256.slice(0, 12))}</span></li>`,
  );
  return `<h3>Identical frames in a row (${runs.length})</h3>
<p class="meta">The same picture, byte for byte, frame after frame: the camera may have hung.</p>
<ol class="stale">
${items.join('\n')}
</ol>`;
}

/** What discovery said of the days it read: the days read short, named, or that every day was read whole. */
function renderDiscovery(readings: readonly DayReading[] | undefined): string {
  if (!readings || readings.length === 0) return '';
  const short = readings.filter(({ status }) => status !== 'complete');
  if (short.length === 0) return `<p class="summary discovery">Discovery read every day's history page whole (${readings.length} days x streams).</p>`;
  const rows = short.map(
    (reading) =>
      `<tr class="${reading.status}"><td>${reading.date}</td><td>${escapeHtml(reading.stream)}</td><td>${reading.found}</td><td>${reading.expected ?? '–'}</td><td>${reading.status}</td><td>${escapeHtml(reading.note ?? '')}</td></tr>`,
  );
  return `<section class="discovery">
<h2>Days the history page listed short</h2>
<p class="summary">The frames of these days are not all in the archive: a rerun reads their pages again.</p>
<table class="discovery"><tr><th>date</th><th>stream</th><th>found</th><th>the page says</th><th>status</th><th>why</th></tr>
${rows.join('\n')}
</table>
</section>`;
}

/** One self-contained HTML page (inline CSS, no script, nothing fetched): a heatmap of days x hours per stream, gaps and totals, and the days discovery read short. */
export function renderHtmlReport(coverage: Coverage, discovery?: readonly DayReading[]): string {
  const perHour = 60 / coverage.intervalMinutes;
  const swatch = (cls: string, text: string) => `<span><span class="swatch ${cls}"></span>${text}</span>`;
  const legend = [
    swatch('l0', 'no frame: the CDN answered missing'),
    swatch('unasked', 'no frame: never asked for (or failed)'),
    swatch('l1', 'less than 1/3'),
    swatch('l2', '1/3 to less than 2/3'),
    swatch('l3', '2/3 or more'),
    swatch('l4', 'every frame'),
    swatch('none', 'not due yet'),
    swatch('thumbs', 'some frames only as thumbnails'),
  ].join('');
  const body =
    coverage.streams.length === 0 ? '<p class="empty">The catalog holds no frames.</p>' : coverage.streams.map(renderStream).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${reportSignature}${coverage.from} to ${coverage.to}</title>
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
`;
}

export interface WriteHtmlReportOptions extends CoverageOptions {
  /** How completely discovery read each day (a download report's `discovery`). */
  readonly discovery?: readonly DayReading[];
}

/** What every page `renderHtmlReport` wrote begins with, well within its first KB. */
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
  const dates = Object.keys(perDateStream).map((key) => key.slice(0, 10)).sort();
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
