import type { OutgoingHttpHeaders } from 'node:http';
import { formatDate, parseDate } from '../frame-time.ts';
import type { Camera } from './camera.ts';
import type { SimFrame } from './frame-schedule.ts';

/**
 * The camera history page, like `https://app.draydog.com/terminal_cameras/<terminal>?streamName=<stream>`:
 * a client-rendered single-page app. The HTML holds no frame; its script draws a day picker, a live
 * section (the latest few frames) and a History section of thumbnails for the chosen day, fetched
 * from `/api/history` after the day changes. It lists exactly the frames the camera serves,
 * thumbnail-only frames included; images link to the CDN (this same server).
 */
export const HISTORY_PAGE_PREFIX = '/terminal_cameras/';
const LIVE_FRAMES = 4;
const namePattern = /^[a-z0-9_]+$/;

interface PageAnswer {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

const answerOf = (status: number, contentType: string, text: string): PageAnswer => ({
  status,
  headers: { 'content-type': contentType, 'cache-control': 'no-store' },
  body: Buffer.from(text),
});
const json = (status: number, value: unknown) => answerOf(status, 'application/json; charset=utf-8', JSON.stringify(value));

/** The app shell: what a server-rendered list would be, there is none. */
export function historyPageHtml(terminal: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Dray Dog: ${terminal.toUpperCase()} terminal cameras</title>
<style>
body { font-family: sans-serif; margin: 1rem; }
.el-date-editor input { padding: 4px 8px; width: 11em; }
.live img, .history-list img { width: 160px; height: 90px; background: #ccc; margin: 2px; }
.history-item { display: inline-block; margin: 0; }
</style>
</head>
<body>
<div id="app">Loading…</div>
<script src="/js/history.js"></script>
</body>
</html>
`;
}

/** The page's script (plain browser JavaScript). */
export const HISTORY_PAGE_SCRIPT = `(() => {
  'use strict';
  const terminal = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
  const stream = new URLSearchParams(location.search).get('streamName') || 'in_gate';
  const query = (extra) => new URLSearchParams({ terminal, stream, ...extra }).toString();
  const app = document.getElementById('app');
  app.innerHTML =
    '<h1 class="title"></h1>' +
    '<div class="el-date-editor el-input el-date-editor--date">' +
    '<input type="text" class="el-input__inner" autocomplete="off" placeholder="Pick a day" aria-label="Day">' +
    '</div>' +
    '<section class="live"><h2>Live</h2><div class="live-list"></div></section>' +
    '<section class="history"><h2>History</h2><p class="history-status"></p><div class="history-list"></div></section>';
  app.querySelector('.title').textContent = terminal.toUpperCase() + ' · ' + stream;
  const input = app.querySelector('.el-date-editor input');
  const status = app.querySelector('.history-status');
  const list = app.querySelector('.history-list');

  function image(src, alt) {
    const img = document.createElement('img');
    img.loading = 'lazy';
    img.alt = alt;
    img.src = src;
    return img;
  }

  fetch('/api/live?' + query({}))
    .then((response) => response.json())
    .then((data) => {
      const live = app.querySelector('.live-list');
      for (const frame of data.images) live.append(image(frame.image || frame.thumbnail, frame.time));
    })
    .catch(() => undefined);

  let shown = 0;
  async function showDay(day) {
    if (!/^\\d{4}-\\d{2}-\\d{2}$/.test(day)) return;
    const ticket = ++shown;
    list.replaceChildren();
    status.textContent = 'Loading…';
    list.parentElement.setAttribute('aria-busy', 'true');
    let data;
    try {
      const response = await fetch('/api/history?' + query({ date: day }));
      if (!response.ok) throw new Error('HTTP ' + response.status);
      data = await response.json();
    } catch (error) {
      if (ticket === shown) status.textContent = 'Could not load the history: ' + error.message;
      list.parentElement.removeAttribute('aria-busy');
      return;
    }
    // Rendered a few dozen at a time, like a virtualised list.
    const images = data.images;
    for (let start = 0; start < images.length; start += 24) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (ticket !== shown) return;
      for (const frame of images.slice(start, start + 24)) {
        const item = document.createElement('figure');
        item.className = 'history-item';
        const thumbnail = image(frame.thumbnail, frame.time);
        if (frame.image) {
          const link = document.createElement('a');
          link.href = frame.image;
          link.target = '_blank';
          link.append(thumbnail);
          item.append(link);
        } else {
          item.append(thumbnail);
        }
        const caption = document.createElement('figcaption');
        caption.textContent = frame.time.slice(11);
        item.append(caption);
        list.append(item);
      }
    }
    status.textContent = images.length === 0 ? 'No images for this day' : images.length + ' images';
    list.parentElement.removeAttribute('aria-busy');
  }

  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') showDay(input.value.trim());
  });
  input.addEventListener('change', () => showDay(input.value.trim()));
  input.value = new Date().toISOString().slice(0, 10);
  showDay(input.value);
})();
`;

function imagesOf(frames: readonly SimFrame[], origin: string) {
  return frames.map((frame) => ({
    time: frame.capturedAt,
    thumbnail: `${origin}${frame.thumbnailPath}`,
    ...(frame.thumbnailOnly ? {} : { image: `${origin}${frame.fullPath}` }),
  }));
}

/** The latest frames up to `nowMs`, oldest first. */
function latestFrames(camera: Camera, stream: string, nowMs: number): SimFrame[] {
  const now = new Date(nowMs).toISOString().slice(0, 19);
  const today = formatDate(nowMs);
  const yesterday = formatDate(parseDate(today) - 86_400_000);
  const recent = [...camera.frames(yesterday, stream), ...camera.frames(today, stream)].filter((frame) => frame.capturedAt <= now);
  return recent.slice(-LIVE_FRAMES);
}

/**
 * Answers the history page, its script and its JSON endpoints, or undefined for any other path.
 * `origin` (e.g. `http://127.0.0.1:41234`) prefixes the CDN URLs in the answers.
 */
export function answerHistoryRequest(camera: Camera, requestUrl: string, origin: string, nowMs = Date.now()): PageAnswer | undefined {
  const url = new URL(requestUrl, 'http://simulator.invalid');
  if (url.pathname.startsWith(HISTORY_PAGE_PREFIX)) {
    const terminal = decodeURIComponent(url.pathname.slice(HISTORY_PAGE_PREFIX.length));
    if (!namePattern.test(terminal)) return answerOf(404, 'text/plain; charset=utf-8', 'Not Found');
    return answerOf(200, 'text/html; charset=utf-8', historyPageHtml(terminal));
  }
  if (url.pathname === '/js/history.js') return answerOf(200, 'text/javascript; charset=utf-8', HISTORY_PAGE_SCRIPT);
  if (url.pathname !== '/api/history' && url.pathname !== '/api/live') return undefined;
  const terminal = url.searchParams.get('terminal') ?? '';
  const stream = url.searchParams.get('stream') ?? '';
  if (!namePattern.test(terminal) || !namePattern.test(stream)) return json(400, { error: 'terminal and stream must be [a-z0-9_]+' });
  const ours = terminal === camera.options.terminal;
  if (url.pathname === '/api/live') {
    return json(200, { terminal, stream, images: ours ? imagesOf(latestFrames(camera, stream, nowMs), origin) : [] });
  }
  const date = url.searchParams.get('date') ?? '';
  try {
    parseDate(date);
  } catch {
    return json(400, { error: `invalid date "${date}": expected YYYY-MM-DD` });
  }
  return json(200, { terminal, stream, date, images: ours ? imagesOf(camera.frames(date, stream), origin) : [] });
}
