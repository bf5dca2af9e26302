import { open, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve, sep } from 'node:path';
import type { Health } from '../watch/metrics.ts';
import { hostAllowed, requestAccess, TOKEN_COOKIE } from './access.ts';
import type { CatalogView } from './catalog-view.ts';
import { PAGE_HTML, PAGE_SCRIPT, PAGE_STYLE } from './page.ts';
import type { RunState } from './run-state.ts';

/** Events go out at most this often, however many frames land meanwhile. */
const SAMPLE_MS = 500;
/** The catalog (heatmap, newest frames) is read again at most this often, and only while someone looks. */
const CATALOG_REFRESH_MS = 2000;
const HEARTBEAT_MS = 15_000;
/** The largest file served as a stream's latest frame. */
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

export interface DashboardServerOptions {
  readonly state: RunState;
  /** Reads the catalog's view now; none for a run without a catalog to read. */
  readonly readCatalog?: () => Promise<CatalogView>;
  /** Another process writes the catalog: read it again every `CATALOG_REFRESH_MS` a tab is open, not only after the state changed. */
  readonly catalogChangesElsewhere?: boolean;
  /** Prometheus text for `/metrics`; none for a catalog alone. */
  readonly metrics?: () => string;
  /** For `/healthz` (a watch). */
  readonly health?: () => Health;
  /** The archive's root: only frames under it are served. */
  readonly out: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  /** Required of every request when set (see `uiAccess`). */
  readonly token?: string;
  /** Where a catalog that cannot be read is reported. */
  readonly onError?: (error: unknown) => void;
}

export interface DashboardServer {
  /** e.g. `http://127.0.0.1:41234` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Event streams open now (browser tabs looking). */
  openStreams(): number;
  /** Reads the catalog and sends the state to every open tab now (at the end of a run, before the catalog closes). */
  flush(): Promise<void>;
  /** Ends the event streams and stops listening. */
  close(): Promise<void>;
}

/** One Server-Sent Event: JSON has no raw line breaks, so a value can never end the event or start another. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Where `path` really is when that is a `.jpg` file under `root` (links and `..` resolved), the only kind of file served. */
async function servableFrame(path: string, root: string): Promise<string | undefined> {
  const [real, realRoot] = await Promise.all([realpath(resolve(path)), realpath(root)]).catch(() => []);
  if (!real || !realRoot || !real.startsWith(realRoot + sep) || !real.endsWith('.jpg')) return undefined;
  const stats = await stat(real).catch(() => undefined);
  return stats?.isFile() && stats.size <= MAX_IMAGE_BYTES ? real : undefined;
}

/**
 * The dashboard's web server: the page, its event stream (`/events`), `/api/state`, the latest frame
 * of each stream, `/metrics` and `/healthz`. It only reads: every other method is refused. Events are
 * sampled: every `SAMPLE_MS` while a tab is open and something changed, never once per frame; a
 * closed tab's stream is dropped at once, and with no tab open no timer runs.
 */
export async function serveDashboard(options: DashboardServerOptions): Promise<DashboardServer> {
  const { state, readCatalog, token, out } = options;
  const streams = new Set<ServerResponse>();
  let view: CatalogView | undefined;
  let viewVersion = -1;
  let viewReadAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  let sentVersion = -1;
  let sentView: CatalogView | undefined;
  let sampler: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const refreshCatalog = (force = false): Promise<void> => {
    if (!readCatalog) return Promise.resolve();
    const changed = options.catalogChangesElsewhere || state.version !== viewVersion;
    const due = force || (changed && Date.now() - viewReadAt >= CATALOG_REFRESH_MS);
    if (!due) return reading ?? Promise.resolve();
    reading ??= (async () => {
      const before = state.version;
      try {
        view = await readCatalog();
        const changedMeanwhile = state.version !== before;
        state.catalogNewest(view.newest);
        // what the catalog itself changed in the state needs no other read; frames that landed meanwhile do
        viewVersion = changedMeanwhile ? before : state.version;
      } catch (error) {
        options.onError?.(error);
      } finally {
        viewReadAt = Date.now();
        reading = undefined;
      }
    })();
    return reading;
  };

  /** The state, with the heatmap only when it changed since the last event. */
  const send = (force = false) => {
    if (streams.size === 0 || (!force && state.version === sentVersion && view === sentView)) return;
    const message = sseEvent('state', state.snapshot(view !== sentView ? view : undefined));
    sentVersion = state.version;
    sentView = view;
    for (const response of streams) response.write(message);
  };

  const tick = () => {
    void refreshCatalog();
    send();
  };

  const openStream = (response: ServerResponse) => {
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(`retry: 2000\n\n${sseEvent('state', state.snapshot(view))}`);
    streams.add(response);
    sampler ??= setInterval(tick, SAMPLE_MS);
    heartbeat ??= setInterval(() => {
      for (const open of streams) open.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    // the connection closed: the tab was closed or went elsewhere
    response.on('close', () => {
      streams.delete(response);
      if (streams.size > 0) return;
      clearInterval(sampler);
      clearInterval(heartbeat);
      sampler = heartbeat = undefined;
    });
  };

  const serveLatestFrame = async (url: URL, response: ServerResponse) => {
    const frame = state.newestFrameOf(url.searchParams.get('stream') ?? '');
    const path = frame && (await servableFrame(frame.path, out));
    if (!path) {
      response.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' }).end('No frame of that stream\n');
      return;
    }
    const file = await open(path, 'r');
    try {
      const body = await file.readFile();
      response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'image/jpeg', 'content-length': body.length }).end(body);
    } finally {
      await file.close();
    }
  };

  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    const text = (status: number, body: string, headers: Record<string, string> = {}) =>
      response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...headers }).end(`${body}\n`);
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return text(405, 'Method Not Allowed: the dashboard only reads', { allow: 'GET, HEAD' });
    if (token === undefined && !hostAllowed(request, server.port))
      return text(403, 'Forbidden: open the dashboard through 127.0.0.1 or localhost');
    const access = requestAccess(request, url, token);
    if (access === 'refused')
      return text(401, 'Unauthorized: open the URL with ?token=... printed at start, or send Authorization: Bearer <token>', {
        'www-authenticate': 'Bearer',
      });
    if (access === 'query') {
      // the token moves from the address bar into a cookie the page's own requests carry
      url.searchParams.delete('token');
      const cookie = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      return text(303, 'See Other', { location: `${url.pathname}${url.search}`, 'set-cookie': cookie });
    }
    switch (url.pathname) {
      case '/':
        return response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' }).end(PAGE_HTML);
      case '/dashboard.js':
        return response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8' }).end(PAGE_SCRIPT);
      case '/dashboard.css':
        return response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/css; charset=utf-8' }).end(PAGE_STYLE);
      case '/events':
        return openStream(response);
      case '/api/state':
        await refreshCatalog();
        return response
          .writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json' })
          .end(`${JSON.stringify(state.snapshot(view))}\n`);
      case '/frames/latest.jpg':
        return serveLatestFrame(url, response);
      case '/metrics':
        if (options.metrics)
          return response
            .writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
            .end(options.metrics());
        return text(404, 'Not Found: a catalog alone has no run to measure');
      case '/healthz':
        if (options.health) {
          const health = options.health();
          return response
            .writeHead(health.healthy ? 200 : 503, { ...SECURITY_HEADERS, 'content-type': 'application/json' })
            .end(`${JSON.stringify(health.body)}\n`);
        }
        // only a watch has a health to tell
        return text(404, 'Not Found: try /, /api/state or /metrics');
      default:
        return text(404, 'Not Found: try /, /api/state or /metrics');
    }
  };

  const server = createServer((request, response) => {
    answer(request, response).catch((error: unknown) => {
      options.onError?.(error);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end();
    });
  }) as ReturnType<typeof createServer> & { port: number };
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  server.port = address.port;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    host: address.address,
    port: address.port,
    openStreams: () => streams.size,
    flush: async () => {
      // a read that began before the run's last frames were saved does not count
      await reading;
      await refreshCatalog(true);
      send(true);
    },
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        clearInterval(sampler);
        clearInterval(heartbeat);
        for (const response of streams) response.end();
        streams.clear();
        server.close((error) => (error ? reject(error) : resolveClose()));
        server.closeIdleConnections();
        // a client that keeps a connection open does not keep the run from ending
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}
