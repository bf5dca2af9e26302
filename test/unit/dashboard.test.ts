// The dashboard's parts without a browser: the run state, the heatmap's cells and window, access
// (token, host), the event framing, and the server over real loopback HTTP in this process.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { hostAllowed, isLoopback, requestAccess, uiAccess } from '../../src/dashboard/access.ts';
import { openCatalogReadOnly } from '../../src/dashboard/read-only-catalog.ts';
import { openCatalog } from '../../src/catalog/open-catalog.ts';
import { cellKind, heatmapWindow } from '../../src/dashboard/catalog-view.ts';
import { LISTED_FAILURES, RunState } from '../../src/dashboard/run-state.ts';
import { serveDashboard, sseEvent, type DashboardServer } from '../../src/dashboard/server.ts';
import { parseTimestamp } from '../../src/frame/time.ts';
import type { FrameRef, OutcomeItem } from '../../src/items.ts';
import { useTempDir } from '../support/temp-dir.ts';
import { until } from '../support/cli.ts';

const frame = (stream: string, capturedAt: string): FrameRef => ({ terminal: 'apm', stream, capturedAt, date: capturedAt.slice(0, 10) });
const downloaded = (stream: string, capturedAt: string, bytes = 1000, variant: 'full' | 'thumbnail' = 'full'): OutcomeItem => ({
  kind: 'downloaded',
  frame: frame(stream, capturedAt),
  url: `http://cdn/${stream}/${capturedAt}.jpeg`,
  variant,
  bytes,
  sha256: 'x',
  filePath: `images/${capturedAt.slice(0, 10)}/${stream}/${capturedAt.replace(/[-T:]/g, '')}_${stream}.jpg`,
  attempts: 1,
});
const failed = (stream: string, capturedAt: string, error = 'HTTP 500'): OutcomeItem => ({
  kind: 'failed',
  stage: 'fetch',
  frame: frame(stream, capturedAt),
  url: `http://cdn/${stream}/${capturedAt}.jpeg`,
  error,
  attempts: 4,
});
const notFound = (stream: string, capturedAt: string): OutcomeItem => ({
  kind: 'notFound',
  frame: frame(stream, capturedAt),
  urls: [],
  attempts: 2,
});

function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RunState', () => {
  it('counts outcomes, bytes and thumbnails, and gives the ETA from the pace so far', () => {
    const clock = manualClock();
    const state = new RunState({ total: 10, now: clock.now });
    state.outcome(downloaded('in_gate', '2025-09-01T00:00:00', 1000));
    state.outcome(downloaded('in_gate', '2025-09-01T00:10:00', 500, 'thumbnail'));
    state.outcome(notFound('out_gate', '2025-09-01T00:00:00'));
    state.outcome(failed('out_gate', '2025-09-01T00:10:00'));
    state.retried();
    clock.advance(4000);
    const snapshot = state.snapshot();
    expect(snapshot.counts).toEqual({ downloaded: 2, alreadyExisted: 0, notFound: 1, failed: 1, bytes: 1500, thumbnails: 1, done: 4 });
    expect(snapshot.retries).toBe(1);
    // 4 frames in 4 s, 6 to go
    expect(snapshot.etaSeconds).toBe(6);
    expect(snapshot.phase).toBe('running');
    state.finished({ stopReason: 'stopped: cannot write' });
    expect(state.snapshot()).toMatchObject({ phase: 'stopped', stopReason: 'stopped: cannot write', etaSeconds: null });
  });

  it('keeps the latest failures, newest first, and counts every failure in its hour', () => {
    const state = new RunState({ total: 100 });
    for (let minute = 0; minute < LISTED_FAILURES + 5; minute += 1)
      state.outcome(failed('in_gate', `2025-09-01T0${Math.floor(minute / 10)}:${String(minute % 10)}0:00`.slice(0, 19), `error ${minute}`));
    const { failures } = state.snapshot();
    expect(failures).toHaveLength(LISTED_FAILURES);
    expect(failures[0].error).toBe(`error ${LISTED_FAILURES + 4}`);
    expect(failures.at(-1)!.error).toBe('error 5');
    expect(state.failedIn('in_gate', '2025-09-01T00')).toBe(10);
    expect(state.failedIn('in_gate', '2025-09-01T02')).toBe(5);
    expect(state.failedIn('out_gate', '2025-09-01T00')).toBe(0);
  });

  it('shows the newest frame of each stream and how far it lags behind the run clock', () => {
    const runClock = manualClock(parseTimestamp('2025-09-01T01:00:00'));
    const state = new RunState({ clock: runClock.now });
    state.outcome(downloaded('in_gate', '2025-09-01T00:20:00'));
    state.outcome(downloaded('in_gate', '2025-09-01T00:10:00'));
    state.catalogNewest({
      out_gate: { capturedAt: '2025-09-01T00:50:00', path: '/archive/x.jpg' },
      in_gate: { capturedAt: '2025-09-01T00:00:00', path: '/archive/old.jpg' },
    });
    const { streams } = state.snapshot();
    expect(streams.map(({ stream, newest, lagSeconds }) => [stream, newest, lagSeconds])).toEqual([
      ['in_gate', '2025-09-01T00:20:00', 2400],
      ['out_gate', '2025-09-01T00:50:00', 600],
    ]);
    expect(state.newestFrameOf('in_gate')!.path).toMatch(/20250901002000_in_gate\.jpg$/);
    expect(streams[0].image).toBe('/frames/latest.jpg?stream=in_gate&at=2025-09-01T00%3A20%3A00');
  });

  it('keeps frames and bytes per second for the last minute, and forgets what is older', () => {
    const clock = manualClock(100_000);
    const state = new RunState({ total: 100, now: clock.now });
    state.outcome(downloaded('in_gate', '2025-09-01T00:00:00', 300));
    state.outcome(downloaded('in_gate', '2025-09-01T00:10:00', 300));
    clock.advance(1000);
    state.outcome(notFound('in_gate', '2025-09-01T00:20:00'));
    let { rate } = state.snapshot();
    expect(rate.frames.slice(-2)).toEqual([2, 1]);
    expect(rate.bytes.slice(-2)).toEqual([600, 0]);
    expect(rate.frames.reduce((sum, value) => sum + value)).toBe(3);
    // 3 frames in the 1 s the run has lasted
    expect(rate.framesPerSecond).toBe(3);
    clock.advance(59_000);
    ({ rate } = state.snapshot());
    expect(rate.frames[0]).toBe(1);
    expect(rate.frames.reduce((sum, value) => sum + value)).toBe(1);
    clock.advance(120_000);
    ({ rate } = state.snapshot());
    expect(rate.frames.every((value) => value === 0)).toBe(true);
    expect(rate.framesPerSecond).toBe(0);
  });

  it('bumps its version with every change, so a sampler sends only what changed', () => {
    const state = new RunState({ total: 1 });
    const before = state.version;
    state.snapshot();
    expect(state.version).toBe(before);
    state.retried();
    expect(state.version).toBeGreaterThan(before);
  });
});

describe('heatmap cells and window', () => {
  it('tells failed, answered missing, never asked and not due apart', () => {
    const hour = (present: number, expected: number, missing = 0) => ({ hour: 3, present, expected, missing, thumbnails: 0 });
    expect(cellKind(hour(0, 6), 2)).toBe('failed');
    expect(cellKind(hour(4, 6), 2)).toBe('failed');
    expect(cellKind(hour(6, 6), 1)).toBe('l4');
    expect(cellKind(hour(0, 6, 6), 0)).toBe('l0');
    expect(cellKind(hour(0, 6), 0)).toBe('unasked');
    expect(cellKind(hour(0, 0), 0)).toBe('none');
    expect(cellKind(hour(3, 6), 0)).toBe('l2');
  });

  it('shows a month at most: of a longer range the month the run reached', () => {
    expect(heatmapWindow({ from: '2025-09-01', to: '2025-09-10' })).toEqual({ from: '2025-09-01', to: '2025-09-10' });
    expect(heatmapWindow({ from: '2025-01-01', to: '2025-12-31' })).toEqual({ from: '2025-01-01', to: '2025-01-31' });
    expect(heatmapWindow({ from: '2025-01-01', to: '2025-12-31' }, '2025-06-15')).toEqual({ from: '2025-05-16', to: '2025-06-15' });
    expect(heatmapWindow({ from: '1900-01-01', to: '2100-12-31' }, '2200-01-01')).toEqual({ from: '2100-12-01', to: '2100-12-31' });
  });
});

describe('access', () => {
  it('needs no token on loopback, and one beyond it: DRAYDOG_UI_TOKEN or a fresh random one', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.4', '127.evil.example', 'localhost.evil.example'].some(isLoopback)).toBe(false);
    expect(uiAccess('127.0.0.1', { DRAYDOG_UI_TOKEN: 'ignored' })).toEqual({ generated: false });
    expect(uiAccess('0.0.0.0', { DRAYDOG_UI_TOKEN: 's3cret' })).toEqual({ token: 's3cret', generated: false });
    const made = uiAccess('0.0.0.0', {});
    expect(made.generated).toBe(true);
    expect(made.token).toMatch(/^[\w-]{32}$/);
    expect(uiAccess('0.0.0.0', {}).token).not.toBe(made.token);
  });

  it('takes the token from the Authorization header, the cookie or the query, nothing else', () => {
    const asked = (headers: Record<string, string>, url = 'http://x/') =>
      requestAccess({ headers } as IncomingMessage, new URL(url), 'tok');
    expect(asked({})).toBe('refused');
    expect(asked({ authorization: 'Bearer tok' })).toBe('header');
    expect(asked({ authorization: 'Bearer tok2' })).toBe('refused');
    expect(asked({ cookie: 'a=b; draydog_ui=tok' })).toBe('header');
    expect(asked({ cookie: 'draydog_ui=to' })).toBe('refused');
    expect(asked({}, 'http://x/?token=tok')).toBe('query');
    expect(asked({}, 'http://x/?token=nope')).toBe('refused');
    expect(requestAccess({ headers: {} } as IncomingMessage, new URL('http://x/'), undefined)).toBe('none');
  });

  it('on loopback answers only requests that name this machine (no DNS rebinding)', () => {
    const host = (name: string | undefined) => hostAllowed({ headers: name === undefined ? {} : { host: name } } as IncomingMessage, 8080);
    expect([host('127.0.0.1:8080'), host('localhost:8080'), host('[::1]:8080'), host('localhost')]).toEqual([true, true, true, true]);
    expect([host('evil.example:8080'), host('127.0.0.1.evil.example:8080'), host(undefined)]).toEqual([false, false, false]);
  });
});

describe('sseEvent', () => {
  it('keeps a value with line breaks inside one data line, so it can neither end the event nor start another', () => {
    const message = sseEvent('state', { url: 'x\n\nevent: evil\ndata: {"phase":"finished"}\r\n' });
    expect(message.split('\n').filter((line) => line.startsWith('data:'))).toHaveLength(1);
    expect(message.endsWith('\n\n')).toBe(true);
    expect(message.slice(0, -2)).not.toMatch(/\n\n|\r/);
    expect(JSON.parse(message.split('\n')[1].slice(6)).url).toBe('x\n\nevent: evil\ndata: {"phase":"finished"}\r\n');
  });
});

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

function get(
  server: DashboardServer,
  path: string,
  { method = 'GET', headers = {} }: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('openCatalogReadOnly', () => {
  const tempDir = useTempDir();

  it('reads a catalog, refuses any write to it, and refuses a file that is no draydog catalog', async () => {
    const dbPath = join(tempDir(), 'catalog.sqlite');
    await (await openCatalog({ dbPath })).close();
    const orm = await openCatalogReadOnly(dbPath);
    try {
      expect(await orm.em.getConnection().execute('select count(*) as frames from images')).toEqual([{ frames: 0 }]);
      await expect(
        orm.em
          .getConnection()
          .execute(
            "insert into images (terminal, stream, captured_at, file_path, file_size, sha256, variant, downloaded_at) values ('apm', 'in_gate', '2025-09-01T00:00:00', 'x.jpg', 1, 'x', 'full', 'now')",
          ),
      ).rejects.toThrow(/readonly/);
    } finally {
      await orm.close();
    }
    const other = join(tempDir(), 'other.sqlite');
    const notes = new Database(other);
    notes.exec('create table notes (body text)');
    notes.close();
    await expect(openCatalogReadOnly(other)).rejects.toThrow(
      `invalid --db "${other}": not a draydog catalog of this version (no table images, cdn_missing_frames, missing_frames)`,
    );
    await expect(openCatalogReadOnly(join(tempDir(), 'nothing.sqlite'))).rejects.toThrow(/no catalog there/);
  });
});

describe('the dashboard server', () => {
  const tempDir = useTempDir();
  let server: DashboardServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('beyond loopback refuses a request without the token (401) and answers one with it; the token in the URL becomes a cookie', async () => {
    server = await serveDashboard({
      state: new RunState({ total: 1 }),
      out: tempDir(),
      port: 0,
      host: '0.0.0.0',
      token: 'tok',
      metrics: () => 'draydog_x 1\n',
    });
    for (const path of ['/', '/api/state', '/events', '/metrics', '/dashboard.js', '/frames/latest.jpg?stream=in_gate']) {
      expect((await get(server, path)).status, path).toBe(401);
    }
    expect((await get(server, '/api/state', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const withHeader = await get(server, '/api/state', { headers: { authorization: 'Bearer tok' } });
    expect([withHeader.status, JSON.parse(withHeader.body).total]).toEqual([200, 1]);
    const fromUrl = await get(server, '/?token=tok&x=1');
    expect(fromUrl.status).toBe(303);
    expect(fromUrl.headers.location).toBe('/?x=1');
    const cookie = String(fromUrl.headers['set-cookie']).split(';')[0];
    expect(fromUrl.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
    const page = await get(server, '/', { headers: { cookie } });
    expect([page.status, page.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    expect((await get(server, '/metrics', { headers: { cookie } })).body).toBe('draydog_x 1\n');
  });

  it('only reads: every method but GET and HEAD is refused', async () => {
    server = await serveDashboard({ state: new RunState({ total: 1 }), out: tempDir(), port: 0, host: '127.0.0.1' });
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) expect((await get(server, '/api/state', { method })).status, method).toBe(405);
    expect((await get(server, '/api/state', { headers: { host: 'evil.example' } })).status).toBe(403);
    expect((await get(server, '/metrics')).status).toBe(404);
    expect((await get(server, '/healthz')).status).toBe(404);
  });

  it('serves the newest frame of a stream only from a regular file under the archive', async () => {
    const root = tempDir();
    const out = join(root, 'images');
    mkdirSync(join(out, '2025-09-01', 'in_gate'), { recursive: true });
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    writeFileSync(join(out, '2025-09-01', 'in_gate', '20250901000000_in_gate.jpg'), jpeg);
    writeFileSync(join(root, 'secret.jpg'), 'not for the web');
    symlinkSync(join(root, 'secret.jpg'), join(out, 'link.jpg'));
    // a folder in the archive that is a link to somewhere else
    mkdirSync(join(root, 'elsewhere'));
    writeFileSync(join(root, 'elsewhere', 'x.jpg'), 'not for the web either');
    symlinkSync(join(root, 'elsewhere'), join(out, '2025-09-02'));
    const state = new RunState({ total: 3 });
    state.catalogNewest({
      in_gate: { capturedAt: '2025-09-01T00:00:00', path: join(out, '2025-09-01', 'in_gate', '20250901000000_in_gate.jpg') },
      outside: { capturedAt: '2025-09-01T00:00:00', path: join(root, 'secret.jpg') },
      linked: { capturedAt: '2025-09-01T00:00:00', path: join(out, 'link.jpg') },
      linkedFolder: { capturedAt: '2025-09-02T00:00:00', path: join(out, '2025-09-02', 'x.jpg') },
      dotted: { capturedAt: '2025-09-02T00:00:00', path: `${out}/2025-09-01/../../secret.jpg` },
    });
    server = await serveDashboard({ state, out, port: 0, host: '127.0.0.1' });
    const image = await get(server, '/frames/latest.jpg?stream=in_gate');
    expect([image.status, image.headers['content-type'], Buffer.from(image.body, 'latin1').length]).toEqual([200, 'image/jpeg', 4]);
    for (const stream of ['outside', 'linked', 'linkedFolder', 'dotted', 'nope', '../secret'])
      expect((await get(server, `/frames/latest.jpg?stream=${stream}`)).status, stream).toBe(404);
  });

  it('sends the state as events, sampled, and drops a closed stream at once: no stream, no timer', async () => {
    const state = new RunState({ total: 5 });
    server = await serveDashboard({ state, out: tempDir(), port: 0, host: '127.0.0.1' });
    const timers = () =>
      (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const events: string[] = [];
    const received = new Promise<IncomingMessage>((resolve) => {
      const sent = request({ host: '127.0.0.1', port: server!.port, path: '/events' }, resolve);
      sent.end();
    });
    const response = await received;
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => events.push(...chunk.split('\n\n').filter((part) => part.startsWith('event: state'))));
    await until(() => events.length === 1, 5000);
    expect(server.openStreams()).toBe(1);
    const timersWhileOpen = timers();
    for (let index = 0; index < 50; index += 1) state.outcome(notFound('in_gate', `2025-09-01T00:00:${String(index).padStart(2, '0')}`));
    await until(() => events.length === 2, 5000);
    const last = JSON.parse(events[1].split('data: ')[1]);
    // 50 outcomes, one event
    expect(last.counts.done).toBe(50);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(events, 'nothing changed: nothing sent').toHaveLength(2);
    response.destroy();
    await until(() => server!.openStreams() === 0, 5000);
    // the sampler and the heartbeat stopped with the last stream
    expect(timers()).toBeLessThanOrEqual(timersWhileOpen - 2);
  });
});
