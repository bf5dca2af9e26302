// The dashboard page, served by draydog itself: no file from elsewhere, so it works offline. Every
// value from the run or the catalog reaches the page as JSON and is put in with textContent or as an
// attribute value, never as markup; the Content-Security-Policy allows only these files' own script
// and style besides.

export const PAGE_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>draydog dashboard</title>
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
<h1>draydog</h1>
<span id="phase" class="phase">connecting…</span>
<span id="connection" class="connection"></span>
</header>
<p id="stop-reason" class="stop-reason" hidden></p>
<section class="run">
<div class="progress" id="progress"><div id="bar" class="bar"></div></div>
<p class="progress-text"><strong><span id="done">0</span></strong> / <span id="total">–</span> frames <span class="sep">·</span> ETA <span id="eta">–</span> <span id="cycles"></span></p>
<dl class="counts">
<div class="downloaded"><dt>downloaded</dt><dd id="downloaded">0</dd></div>
<div class="already"><dt>already there</dt><dd id="alreadyExisted">0</dd></div>
<div class="notfound"><dt>not on the CDN</dt><dd id="notFound">0</dd></div>
<div class="failed"><dt>failed</dt><dd id="failed">0</dd></div>
<div><dt>retries</dt><dd id="retries">0</dd></div>
<div><dt>downloaded bytes</dt><dd id="bytes">0 B</dd></div>
<div><dt>from thumbnails</dt><dd id="thumbnails">0</dd></div>
</dl>
<div class="rates">
<p><span class="key frames"></span><strong id="frames-per-second">0</strong> frames/s <span class="key bytes"></span><strong id="bytes-per-second">0 B</strong>/s <span class="muted">over the last minute</span></p>
<svg id="chart" class="chart" viewBox="0 0 600 100" preserveAspectRatio="none" role="img" aria-label="frames and bytes per second over the last minute">
<line x1="0" y1="99.5" x2="600" y2="99.5" class="axis"></line>
<polyline id="chart-bytes" class="bytes" points=""></polyline>
<polyline id="chart-frames" class="frames" points=""></polyline>
</svg>
</div>
</section>
<section id="fleet" class="fleet" hidden>
<h2>Fleet <span id="fleet-name" class="muted"></span></h2>
<p id="fleet-paused" class="stop-reason" hidden></p>
<dl class="counts">
<div><dt>waiting</dt><dd id="fleet-waiting">0</dd></div>
<div><dt>retrying</dt><dd id="fleet-retrying">0</dd></div>
<div><dt>active</dt><dd id="fleet-active">0</dd></div>
<div class="downloaded"><dt>done</dt><dd id="fleet-done">0</dd></div>
<div class="failed"><dt>failed</dt><dd id="fleet-failed">0</dd></div>
</dl>
<p class="progress-text"><strong id="fleet-frames">0</strong> frames (<span id="fleet-bytes">0 B</span>) <span class="sep">·</span> <strong id="fleet-rate">0</strong> frames/s over the last minute <span class="sep">·</span> ETA <span id="fleet-eta">–</span></p>
<table class="workers"><thead><tr><th>worker</th><th>frames/s</th><th>last heartbeat</th><th>partitions in hand</th></tr></thead><tbody id="fleet-workers"></tbody></table>
<ol id="fleet-failures" class="failures"></ol>
</section>
<section>
<h2>Streams</h2>
<div id="streams" class="streams"><p class="muted">No frame yet.</p></div>
</section>
<section class="failures">
<h2>Latest failures</h2>
<p id="no-failures" class="muted">None.</p>
<ol id="failures" class="failures"></ol>
</section>
<section>
<h2>Coverage <span id="coverage-range" class="muted"></span></h2>
<div class="legend">
<span><i class="k-l0"></i>none: the CDN answered missing</span>
<span><i class="k-failed"></i>failed in this run</span>
<span><i class="k-unasked"></i>none: never asked for</span>
<span><i class="k-l1"></i>&lt; 1/3</span><span><i class="k-l2"></i>1/3 to 2/3</span><span><i class="k-l3"></i>2/3 or more</span><span><i class="k-l4"></i>every frame</span>
<span><i class="k-none"></i>not due yet</span><span><i class="k-thumbs"></i>some only as thumbnails</span>
</div>
<div id="heatmap"><p class="muted">Waiting for the catalog…</p></div>
</section>
</body>
</html>
`;

export const PAGE_STYLE = `
:root { color-scheme: light; --l0: #d73027; --l1: #fc8d59; --l2: #fee090; --l3: #91bfdb; --l4: #4575b4; --failed: #7b3294; --none: #f0f0f0; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #222; margin: 20px 24px; background: #fff; }
body[data-phase="catalog"] section.run, body[data-phase="catalog"] section.failures { display: none; }
header { display: flex; gap: 14px; align-items: baseline; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 17px; margin: 24px 0 8px; }
.muted { color: #777; font-weight: normal; }
.phase { padding: 2px 10px; border-radius: 10px; background: #eee; font-weight: 600; }
.phase[data-phase="running"], .phase[data-phase="watching"] { background: #d9ecff; color: #064a8c; }
.phase[data-phase="finished"] { background: #dff3df; color: #1f6b1f; }
.phase[data-phase="stopped"], .phase[data-phase="interrupted"] { background: #fde2e1; color: #a50026; }
.connection { color: #777; font-size: 13px; }
.stop-reason { color: #a50026; font-weight: 600; }
.progress { height: 14px; background: #eee; border-radius: 7px; overflow: hidden; margin: 12px 0 6px; max-width: 900px; }
.progress .bar { height: 100%; width: 0; background: var(--l4); transition: width .3s; }
.progress-text { margin: 0 0 10px; font-variant-numeric: tabular-nums; }
.sep { color: #aaa; }
dl.counts { display: flex; flex-wrap: wrap; gap: 10px; margin: 0; }
dl.counts div { border: 1px solid #e3e3e3; border-radius: 6px; padding: 6px 12px; min-width: 110px; }
dl.counts dt { font-size: 12px; color: #666; }
dl.counts dd { margin: 0; font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
dl.counts .failed dd { color: #a50026; }
.rates p { margin: 12px 0 4px; font-variant-numeric: tabular-nums; }
.key { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin: 0 4px 0 10px; }
.key.frames { background: var(--l4); } .key.bytes { background: var(--l1); }
svg.chart { width: 100%; max-width: 900px; height: 100px; background: #fafafa; border: 1px solid #eee; }
svg.chart polyline { fill: none; stroke-width: 2; vector-effect: non-scaling-stroke; }
svg.chart polyline.frames { stroke: var(--l4); } svg.chart polyline.bytes { stroke: var(--l1); }
svg.chart line.axis { stroke: #ccc; vector-effect: non-scaling-stroke; }
table.workers { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
table.workers th, table.workers td { text-align: left; padding: 3px 12px 3px 0; border-bottom: 1px solid #eee; }
table.workers tr.gone { color: #a50026; }
.streams { display: flex; flex-wrap: wrap; gap: 16px; }
.stream { border: 1px solid #e3e3e3; border-radius: 6px; padding: 8px; width: 340px; }
.stream h3 { font-size: 15px; margin: 0 0 4px; }
.stream p { margin: 0 0 6px; font-variant-numeric: tabular-nums; }
.stream img { width: 100%; aspect-ratio: 16 / 9; object-fit: cover; background: #eee; display: block; }
ol.failures { padding-left: 20px; margin: 0; font-size: 13px; }
ol.failures li { margin-bottom: 4px; overflow-wrap: anywhere; }
ol.failures .url { font-family: monospace; color: #333; }
ol.failures .error { color: #a50026; }
.legend { display: flex; gap: 12px; flex-wrap: wrap; font-size: 12px; margin-bottom: 8px; }
.legend i { display: inline-block; width: 14px; height: 14px; vertical-align: -3px; margin-right: 4px; border: 1px solid #bbb; position: relative; }
table.heatmap { border-collapse: collapse; margin-bottom: 14px; }
table.heatmap th { font-size: 11px; font-weight: 600; color: #555; padding: 1px 3px; }
table.heatmap th.date { text-align: left; padding-right: 8px; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.heatmap td.cell { width: 28px; height: 22px; border: 1px solid #fff; text-align: center; font-size: 11px; position: relative; font-variant-numeric: tabular-nums; }
.k-l0 { background: var(--l0); color: #fff; } .k-l1 { background: var(--l1); } .k-l2 { background: var(--l2); }
.k-l3 { background: var(--l3); } .k-l4 { background: var(--l4); color: #fff; }
.k-failed { background: var(--failed); color: #fff; }
.k-unasked { background: #bdbdbd; }
.k-none { background: repeating-linear-gradient(45deg, var(--none), var(--none) 3px, #fff 3px, #fff 6px); color: #999; }
.k-thumbs::after { content: ""; position: absolute; top: 2px; right: 2px; width: 5px; height: 5px; border-radius: 50%; background: #111; box-shadow: 0 0 0 1.5px #fff; }
`;

export const PAGE_SCRIPT = `'use strict';
(() => {
  const byId = (id) => document.getElementById(id);
  const whole = new Intl.NumberFormat('en');
  const PHASES = { running: 'running', watching: 'watching', finished: 'finished', stopped: 'stopped', interrupted: 'interrupted', catalog: 'the catalog, read-only' };
  const setText = (id, value) => {
    const node = byId(id);
    if (node.textContent !== value) node.textContent = value;
  };
  const make = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const bytes = (n) => {
    if (n < 1024) return Math.round(n) + ' B';
    const units = ['KB', 'MB', 'GB', 'TB'];
    let value = n / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return value.toFixed(1) + ' ' + units[unit];
  };
  const duration = (seconds) => {
    if (seconds < 60) return seconds + ' s';
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + ' min ' + (seconds % 60) + ' s';
    const hours = Math.floor(minutes / 60);
    return hours < 48 ? hours + ' h ' + (minutes % 60) + ' min' : Math.floor(hours / 24) + ' d ' + (hours % 24) + ' h';
  };
  let over = false;

  const points = (values) => {
    const top = Math.max(...values, 0) || 1;
    return values.map((value, index) => (index * 600 / (values.length - 1)).toFixed(1) + ',' + (99 - (value / top) * 95).toFixed(1)).join(' ');
  };

  const renderStreams = (streams) => {
    const box = byId('streams');
    if (streams.length === 0) return;
    box.querySelector('p.muted')?.remove();
    for (const view of streams) {
      let card = [...box.children].find((child) => child.dataset.stream === view.stream);
      if (!card) {
        card = make('div', 'stream');
        card.dataset.stream = view.stream;
        card.append(make('h3', '', view.stream), make('p', 'newest'), make('img'));
        card.querySelector('img').alt = 'newest frame of ' + view.stream;
        box.append(card);
      }
      const line = view.newest ? 'newest ' + view.newest.replace('T', ' ') + ' UTC, ' + duration(view.lagSeconds) + ' behind' : 'no frame yet';
      const newest = card.querySelector('p.newest');
      if (newest.textContent !== line) newest.textContent = line;
      card.dataset.newest = view.newest || '';
      // the next frame is shown once it has loaded: never a broken image, even when the server stopped meanwhile
      if (view.image && card.dataset.image !== view.image) {
        card.dataset.image = view.image;
        const next = new Image();
        next.addEventListener('load', () => {
          if (card.dataset.image === view.image) card.querySelector('img').setAttribute('src', view.image);
        });
        next.src = view.image;
      }
    }
  };

  const renderFailures = (failures) => {
    const list = byId('failures');
    byId('no-failures').hidden = failures.length > 0;
    list.replaceChildren(...failures.map((failure) => {
      const item = make('li');
      item.dataset.url = failure.url;
      item.dataset.stream = failure.stream;
      item.dataset.capturedAt = failure.capturedAt;
      item.append(
        make('span', 'when', failure.stream + ' ' + failure.capturedAt.replace('T', ' ') + ': '),
        make('span', 'error', failure.error),
        document.createTextNode(' after ' + failure.attempts + (failure.attempts === 1 ? ' attempt ' : ' attempts ')),
        make('span', 'url', failure.url),
      );
      return item;
    }));
  };

  const renderHeatmap = (coverage) => {
    setText('coverage-range', coverage.from + ' to ' + coverage.to + ' (UTC hours)');
    const tables = coverage.streams.map((stream) => {
      const section = make('div', 'stream-coverage');
      section.dataset.stream = stream.stream;
      section.append(make('h3', '', stream.stream));
      const table = make('table', 'heatmap');
      const head = make('tr');
      head.append(make('th', 'date', 'date'));
      for (let hour = 0; hour < 24; hour += 1) head.append(make('th', '', String(hour).padStart(2, '0')));
      table.append(head);
      for (const day of stream.days) {
        const row = make('tr');
        row.append(make('th', 'date', day.date));
        for (const cell of day.cells) {
          const shown = cell.kind === 'unasked' || (cell.expected === 0 && cell.present === 0) ? '' : String(cell.present);
          const td = make('td', 'cell k-' + cell.kind + (cell.thumbnails > 0 ? ' k-thumbs' : ''), shown);
          Object.assign(td.dataset, { stream: stream.stream, date: day.date, hour: cell.hour, present: cell.present, expected: cell.expected, thumbnails: cell.thumbnails, missing: cell.missing, failed: cell.failed, kind: cell.kind });
          const hour = String(cell.hour).padStart(2, '0');
          td.title = stream.stream + ' ' + day.date + ' ' + hour + ':00-' + hour + ':59 UTC: ' + cell.present + ' of ' + cell.expected + ' frames' +
            (cell.thumbnails ? ', ' + cell.thumbnails + ' thumbnail only' : '') + (cell.missing ? ', ' + cell.missing + ' answered missing' : '') + (cell.failed ? ', ' + cell.failed + ' failed in this run' : '');
          row.append(td);
        }
        table.append(row);
      }
      section.append(table);
      return section;
    });
    byId('heatmap').replaceChildren(...(tables.length > 0 ? tables : [make('p', 'muted', 'The catalog holds no frame of these dates.')]));
  };

  const renderFleet = (fleet) => {
    byId('fleet').hidden = false;
    setText('fleet-name', fleet.name);
    byId('fleet-paused').hidden = !fleet.pausedBecause;
    setText('fleet-paused', fleet.pausedBecause ? 'Paused: ' + fleet.pausedBecause + ' (draydog retry-failed resumes it)' : '');
    for (const key of ['waiting', 'retrying', 'active', 'done', 'failed']) setText('fleet-' + key, whole.format(fleet.partitions[key]));
    setText('fleet-frames', whole.format(fleet.frames));
    setText('fleet-bytes', bytes(fleet.bytes));
    setText('fleet-rate', fleet.framesPerSecond.toFixed(1));
    setText('fleet-eta', fleet.etaSeconds === null ? '–' : duration(fleet.etaSeconds));
    byId('fleet-workers').replaceChildren(...fleet.workers.map((worker) => {
      const row = make('tr', worker.gone ? 'gone' : '');
      row.dataset.worker = worker.worker;
      row.append(
        make('td', '', worker.worker),
        make('td', '', worker.framesPerSecond.toFixed(1)),
        make('td', '', duration(worker.secondsSinceSeen) + ' ago' + (worker.gone ? ' (gone)' : '')),
        make('td', '', worker.partitions.join(' ') || '–'),
      );
      return row;
    }));
    byId('fleet-failures').replaceChildren(...fleet.failed.map((failed) => {
      const item = make('li');
      item.dataset.partition = failed.partition;
      item.append(make('span', 'when', failed.partition + ': '), make('span', 'error', failed.reason), document.createTextNode(' after ' + failed.attempts + ' attempts'));
      return item;
    }));
  };

  const render = (state) => {
    over = state.phase === 'finished' || state.phase === 'stopped' || state.phase === 'interrupted';
    const phase = byId('phase');
    phase.dataset.phase = document.body.dataset.phase = state.phase;
    setText('phase', PHASES[state.phase] || 'unknown');
    const reason = byId('stop-reason');
    reason.hidden = !state.stopReason;
    setText('stop-reason', state.stopReason || '');
    const counts = state.counts;
    setText('done', whole.format(counts.done));
    setText('total', state.total === null ? '–' : whole.format(state.total));
    byId('progress').hidden = state.total === null;
    byId('bar').style.width = (state.total ? Math.min(100, (counts.done / state.total) * 100) : 0) + '%';
    setText('eta', state.etaSeconds === null ? '–' : duration(state.etaSeconds));
    for (const key of ['downloaded', 'alreadyExisted', 'notFound', 'failed', 'retries', 'thumbnails']) setText(key, whole.format(key === 'retries' ? state.retries : counts[key]));
    setText('bytes', bytes(counts.bytes));
    setText('frames-per-second', state.rate.framesPerSecond.toFixed(1));
    setText('bytes-per-second', bytes(state.rate.bytesPerSecond));
    byId('chart-frames').setAttribute('points', points(state.rate.frames));
    byId('chart-bytes').setAttribute('points', points(state.rate.bytes));
    const cycles = state.cycles;
    setText('cycles', cycles ? '· cycles: ' + (cycles.ok + cycles.failed) + ' (' + cycles.failed + ' failed)' + (cycles.last ? ', the last up to ' + cycles.last.until.replace('T', ' ') + (cycles.last.ok ? '' : ': ' + cycles.last.error) : '') : '');
    renderStreams(state.streams);
    renderFailures(state.failures);
    if (state.coverage) renderHeatmap(state.coverage);
    if (state.fleet) renderFleet(state.fleet);
  };

  const source = new EventSource('/events');
  source.addEventListener('open', () => setText('connection', 'live'));
  source.addEventListener('state', (event) => render(JSON.parse(event.data)));
  source.addEventListener('error', () => {
    if (over) {
      source.close();
      setText('connection', 'the run is over; the server has stopped');
    } else setText('connection', 'reconnecting…');
  });
})();
`;
