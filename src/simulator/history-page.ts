import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { OutgoingHttpHeaders } from 'node:http';
import { formatDate, parseDate } from '../frame/time.ts';
import type { Camera } from './camera.ts';
import type { SimFrame } from './frame-schedule.ts';
import type { ResolvedSimulatorOptions } from './options.ts';

/**
 * The camera history page, like `https://app.draydog.com/terminal_cameras/<terminal>?streamName=<stream>`:
 * a Vue 2 + Element UI single-page app built from the real libraries (served from node_modules, never
 * fetched from the internet). The HTML holds no frame; its script draws an `el-date-picker`, a live
 * section (the latest few frames) and a History section of `el-image` thumbnails for the chosen day,
 * fetched from `/api/history` in the shape the simulator's options ask for (see `HistoryShape`). It
 * lists exactly the frames the camera serves, thumbnail-only frames included; images link to the CDN.
 */
const HISTORY_PAGE_PREFIX = '/terminal_cameras/';
/** Frames per answer of the day list when the page asks page by page. */
const HISTORY_PAGE_SIZE = 24;
const LIVE_FRAMES = 4;
const namePattern = /^[a-z0-9_]+$/;

interface PageAnswer {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

/** Where the page's links and API calls point. */
export interface PageOrigins {
  /** The CDN the frame URLs point at. */
  readonly cdn: string;
  /** Where the page sends its API calls: '' for its own origin, another origin with `apiHost: 'separate'`. */
  readonly api: string;
}

const answerOf = (status: number, contentType: string, body: string | Buffer): PageAnswer => ({
  status,
  headers: { 'content-type': contentType, 'cache-control': 'no-store', 'access-control-allow-origin': '*' },
  body: Buffer.from(body),
});
const json = (status: number, value: unknown) => answerOf(status, 'application/json; charset=utf-8', JSON.stringify(value));

// The real UI libraries, dev dependencies of draydog, read once.
const vendorFiles: Record<string, [string, string]> = {
  '/vendor/vue.js': ['vue/dist/vue.min.js', 'text/javascript; charset=utf-8'],
  '/vendor/element-ui.js': ['element-ui/lib/index.js', 'text/javascript; charset=utf-8'],
  '/vendor/element-en.js': ['element-ui/lib/umd/locale/en.js', 'text/javascript; charset=utf-8'],
  '/vendor/element.css': ['element-ui/lib/theme-chalk/index.css', 'text/css; charset=utf-8'],
  '/vendor/fonts/element-icons.woff': ['element-ui/lib/theme-chalk/fonts/element-icons.woff', 'font/woff'],
  '/vendor/fonts/element-icons.ttf': ['element-ui/lib/theme-chalk/fonts/element-icons.ttf', 'font/ttf'],
};
const vendorCache = new Map<string, PageAnswer>();
const requireFromHere = createRequire(import.meta.url);

function vendorAnswer(path: string): PageAnswer {
  const [module, contentType] = vendorFiles[path];
  let answer = vendorCache.get(path);
  if (!answer) {
    try {
      answer = answerOf(200, contentType, readFileSync(requireFromHere.resolve(module)));
    } catch {
      return answerOf(
        500,
        'text/plain; charset=utf-8',
        `the simulator's history page needs ${module.split('/')[0]} (a dev dependency of draydog): npm install`,
      );
    }
    vendorCache.set(path, answer);
  }
  return answer;
}

/** The app shell: the libraries, the page's settings and its script; no frame. */
function historyPageHtml(terminal: string, options: ResolvedSimulatorOptions, origins: PageOrigins): string {
  const settings = {
    cdn: origins.cdn,
    api: origins.api,
    shape: options.history,
    editable: options.picker === 'editable',
    format: options.dateFormat,
    firstAnswerDelayMs: options.firstAnswerDelayMs,
    pageSize: HISTORY_PAGE_SIZE,
  };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Dray Dog: ${terminal.toUpperCase()} terminal cameras</title>
<link rel="stylesheet" href="/vendor/element.css">
<style>
body { font-family: sans-serif; margin: 1rem; }
.history-item { display: inline-block; width: 320px; margin: 4px; }
.history-item .el-image { width: 320px; height: 180px; background: #ccc; }
.live .el-image { width: 160px; height: 90px; margin: 2px; }
.history-list.box { height: 420px; overflow-y: auto; }
</style>
</head>
<body>
<div id="app">Loading…</div>
<script src="/vendor/vue.js"></script>
<script src="/vendor/element-ui.js"></script>
<script src="/vendor/element-en.js"></script>
<script>window.DRAYDOG_PAGE = ${JSON.stringify(settings)};</script>
<script src="/js/history.js"></script>
</body>
</html>
`;
}

/** The page's script (plain browser JavaScript on Vue 2 and Element UI). */
const HISTORY_PAGE_SCRIPT = `(() => {
  'use strict';
  const settings = window.DRAYDOG_PAGE;
  const terminal = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
  const stream = new URLSearchParams(location.search).get('streamName') || 'in_gate';
  const paged = settings.shape !== 'all';
  ELEMENT.locale(ELEMENT.lang.en.default || ELEMENT.lang.en);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // the first day list is asked for only this long after the page loaded, whatever day is picked meanwhile
  const ready = sleep(settings.firstAnswerDelayMs);
  const nearBottom = (element) => element.scrollTop + element.clientHeight >= element.scrollHeight - 100;
  // a day list of times: the page builds the CDN URLs itself
  function withUrls(item) {
    if (item.thumbnail) return item;
    const base = settings.cdn + '/' + terminal + '/' + item.time.slice(0, 10) + '/' + Number(item.time.slice(11, 13)) + '/' + item.time + '-' + stream;
    return { time: item.time, thumbnail: base + '-thumbnail.jpeg', image: base + '.jpeg' };
  }

  new Vue({
    el: '#app',
    template: \`<div>
      <h1 class="title">{{ title }}</h1>
      <section class="live"><h2>Live</h2><el-image v-for="frame in live" :key="frame.time" :src="frame.thumbnail" :alt="frame.time"></el-image></section>
      <el-date-picker v-model="day" type="date" placeholder="Pick a day" :format="format" value-format="yyyy-MM-dd"
        :editable="editable" :clearable="false" @change="pick"></el-date-picker>
      <section class="history">
        <h2>History</h2>
        <p class="history-status">{{ status }}</p>
        <div :class="['history-list', { box: shape === 'lazy-scroll' }]" @scroll="onBoxScroll">
          <figure v-for="frame in frames" :key="frame.time" class="history-item">
            <a v-if="frame.image" :href="frame.image" target="_blank">
              <el-image :src="frame.thumbnail" :alt="frame.time" :lazy="lazy" :scroll-container="container"></el-image>
            </a>
            <el-image v-else :src="frame.thumbnail" :alt="frame.time" :lazy="lazy" :scroll-container="container"></el-image>
            <figcaption>{{ frame.time.slice(11) }}</figcaption>
          </figure>
        </div>
        <el-button v-if="shape === 'load-more' && more && !failed" :loading="loading" @click="load(page + 1)">Load more</el-button>
        <el-pagination v-if="shape === 'paged' && total > 0" layout="total, prev, pager, next" :total="total"
          :page-size="pageSize" :current-page="page" @current-change="load"></el-pagination>
      </section>
    </div>\`,
    data: () => ({
      title: terminal.toUpperCase() + ' · ' + stream,
      day: new Date().toISOString().slice(0, 10),
      shape: settings.shape,
      format: settings.format,
      editable: settings.editable,
      pageSize: settings.pageSize,
      live: [],
      frames: [],
      total: 0,
      page: 1,
      status: '',
      loading: false,
      failed: false,
      ticket: 0,
    }),
    computed: {
      lazy() { return this.shape === 'lazy-scroll' || this.shape === 'lazy-page'; },
      container() { return this.shape === 'lazy-scroll' ? '.history-list' : undefined; },
      more() { return this.frames.length < this.total && (this.shape !== 'paged'); },
    },
    mounted() {
      fetch(settings.api + '/api/live?' + new URLSearchParams({ terminal, stream }))
        .then((response) => response.json())
        .then((data) => { this.live = data.images.map(withUrls); })
        .catch(() => undefined);
      window.addEventListener('scroll', () => this.shape === 'lazy-page' && nearBottom(document.scrollingElement) && this.loadMore());
      this.pick();
    },
    methods: {
      pick() {
        this.ticket += 1;
        Object.assign(this, { frames: [], total: 0, page: 1, failed: false });
        this.load(1);
      },
      loadMore() {
        if (this.more && !this.loading && !this.failed) this.load(this.page + 1);
      },
      onBoxScroll(event) {
        if (this.shape === 'lazy-scroll' && nearBottom(event.target)) this.loadMore();
      },
      async load(page) {
        const ticket = this.ticket;
        const day = this.day;
        this.loading = true;
        this.status = 'Loading…';
        await ready;
        const query = { terminal, stream, date: day, ...(paged ? { page, size: this.pageSize } : {}) };
        try {
          const response = await fetch(settings.api + '/api/history?' + new URLSearchParams(query));
          if (!response.ok) throw new Error('HTTP ' + response.status);
          const data = await response.json();
          if (ticket !== this.ticket) return;
          const frames = (data.images || data.times).map(withUrls);
          this.frames = this.shape === 'paged' || page === 1 ? frames : this.frames.concat(frames);
          this.total = data.total;
          this.page = page;
          this.status = data.total === 0 ? 'No images for this day' : data.total + ' images';
        } catch (error) {
          if (ticket !== this.ticket) return;
          this.failed = true;
          this.status = 'Could not load the history: ' + error.message;
        } finally {
          if (ticket === this.ticket) this.loading = false;
        }
      },
    },
  });
})();
`;

function imagesOf(frames: readonly SimFrame[], cdn: string) {
  return frames.map((frame) => ({
    time: frame.capturedAt,
    thumbnail: `${cdn}${frame.thumbnailPath}`,
    ...(frame.thumbnailOnly ? {} : { image: `${cdn}${frame.fullPath}` }),
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

/** Whole number query parameter, or undefined when absent; NaN when it is not one. */
function wholeParameter(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  return /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
}

/** The day list: everything, or one page of it; URLs or, with `apiShape: 'times'`, only capture times. */
function historyAnswer(camera: Camera, url: URL, terminal: string, stream: string, cdn: string): PageAnswer {
  const date = url.searchParams.get('date') ?? '';
  try {
    parseDate(date);
  } catch {
    return json(400, { error: `invalid date "${date}": expected YYYY-MM-DD` });
  }
  const page = wholeParameter(url, 'page');
  const size = wholeParameter(url, 'size');
  if ((page !== undefined && !(page >= 1)) || (size !== undefined && !(size >= 1)))
    return json(400, { error: 'page and size must be whole numbers >= 1' });
  const { breakAfterPages, apiShape } = camera.options;
  if (page !== undefined && breakAfterPages > 0 && page > breakAfterPages) return json(500, { error: 'internal error' });
  const frames = terminal === camera.options.terminal ? camera.frames(date, stream) : [];
  const pageSize = size ?? HISTORY_PAGE_SIZE;
  const shown = page === undefined ? frames : frames.slice((page - 1) * pageSize, page * pageSize);
  const list = apiShape === 'times' ? { times: shown.map((frame) => ({ time: frame.capturedAt })) } : { images: imagesOf(shown, cdn) };
  return json(200, { terminal, stream, date, total: frames.length, ...(page === undefined ? {} : { page, size: pageSize }), ...list });
}

/** Answers the page's API (`/api/history`, `/api/live`), or undefined for any other path. */
export function answerApiRequest(camera: Camera, requestUrl: string, cdn: string, nowMs = Date.now()): PageAnswer | undefined {
  const url = new URL(requestUrl, 'http://simulator.invalid');
  if (url.pathname !== '/api/history' && url.pathname !== '/api/live') return undefined;
  const terminal = url.searchParams.get('terminal') ?? '';
  const stream = url.searchParams.get('stream') ?? '';
  if (!namePattern.test(terminal) || !namePattern.test(stream)) return json(400, { error: 'terminal and stream must be [a-z0-9_]+' });
  if (url.pathname === '/api/history') return historyAnswer(camera, url, terminal, stream, cdn);
  const live = terminal === camera.options.terminal ? imagesOf(latestFrames(camera, stream, nowMs), cdn) : [];
  return json(200, { terminal, stream, images: live });
}

/**
 * Answers the history page, its script, the UI libraries and (unless the API has a host of its own)
 * its JSON endpoints, or undefined for any other path.
 */
export function answerHistoryRequest(camera: Camera, requestUrl: string, origins: PageOrigins, nowMs = Date.now()): PageAnswer | undefined {
  const url = new URL(requestUrl, 'http://simulator.invalid');
  if (url.pathname.startsWith(HISTORY_PAGE_PREFIX)) {
    const terminal = decodeURIComponent(url.pathname.slice(HISTORY_PAGE_PREFIX.length));
    if (!namePattern.test(terminal)) return answerOf(404, 'text/plain; charset=utf-8', 'Not Found');
    return answerOf(200, 'text/html; charset=utf-8', historyPageHtml(terminal, camera.options, origins));
  }
  if (url.pathname === '/js/history.js') return answerOf(200, 'text/javascript; charset=utf-8', HISTORY_PAGE_SCRIPT);
  if (url.pathname in vendorFiles) return vendorAnswer(url.pathname);
  return camera.options.apiHost === 'same' ? answerApiRequest(camera, requestUrl, origins.cdn, nowMs) : undefined;
}
