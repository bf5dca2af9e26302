import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCamera, type Camera } from './camera.ts';
import { faultPlan, type BadAnswer, type FaultPlan } from './faults.ts';
import { answerApiRequest, answerHistoryRequest } from './history-page.ts';
import type { SimulatorOptions } from './options.ts';
import { StatsRecorder, type SimulatorStats } from './stats.ts';

export interface StormOptions {
  /** Default 429. */
  readonly status?: number;
  /** Default 1. */
  readonly retryAfterSeconds?: number;
  /** Until when (ms since the epoch) every frame request gets that status. */
  readonly untilMs: number;
}

/** A running camera simulator: the CDN at `url`, plus what tests need to check a downloader against it. */
export interface Simulator extends Camera {
  /** e.g. `http://127.0.0.1:41234`, without a trailing slash. */
  readonly url: string;
  /** Where the history page sends its API calls: `url`, or a server of its own with `apiHost: 'separate'`. */
  readonly apiUrl: string;
  /** Stops listening and drops open (keep-alive) connections and answers still waiting. */
  close(): Promise<void>;
  stats(): SimulatorStats;
  resetStats(): void;
  /** How a path misbehaves under the simulator's seed and fault level. */
  faultPlan(path: string): FaultPlan;
  /** Answers every frame request with `status` and a Retry-After header until `untilMs`. */
  storm(storm: StormOptions): void;
  /**
   * Answers the next frame request, and only that one, as a storm would (default 429, Retry-After 1);
   * resolves with when it was answered (ms since the epoch).
   */
  pushBackOnce(pushBack?: Omit<StormOptions, 'untilMs'>): Promise<number>;
}

interface Answer {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

function textAnswer(status: number, text: string, headers: OutgoingHttpHeaders = {}): Answer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: Buffer.from(text) };
}

// What a CDN in front of a single-page app sends for a missing file: the app's page, with 200.
const softNotFoundAnswer: Answer = {
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: Buffer.from(
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Dray Dog</title></head>' +
      '<body><div id="app"></div><script src="/js/app.js"></script></body></html>',
  ),
};

function send(response: ServerResponse, answer: Answer): void {
  response.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
  response.end(answer.body);
}

/** The request's path without its query, percent-decoded (a client may send `:` as `%3A`). */
function requestPath(request: IncomingMessage): string {
  const path = (request.url ?? '/').split('?')[0];
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

async function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/**
 * Serves frames like the Dray Dog CDN on loopback:
 * `GET /<terminal>/<YYYY-MM-DD>/<H>/<YYYY-MM-DDTHH:MM:SS>-<stream>[-thumbnail].jpeg`,
 * plus `GET /__stats` (JSON of `SimulatorStats`) and `POST /__reset` (clears the stats), and the
 * camera history page `GET /terminal_cameras/<terminal>?streamName=<stream>` (see `history-page.ts`).
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const camera = createCamera(options);
  const { seed, faults, latencyMs, host } = camera.options;
  const stats = new StatsRecorder();
  const badAnswersServed = new Map<string, number>();
  const closing = new AbortController();
  let currentStorm: Required<StormOptions> | undefined;
  let nextPushBack: (Required<Omit<StormOptions, 'untilMs'>> & { answered: (at: number) => void }) | undefined;

  function rightAnswer(path: string, plan: FaultPlan): Answer {
    const jpeg = camera.jpegAt(path);
    if (jpeg) return { status: 200, headers: { 'content-type': 'image/jpeg' }, body: jpeg };
    if (!plan.softNotFound) return textAnswer(404, 'Not Found');
    stats.faultServed('softNotFound');
    return softNotFoundAnswer;
  }

  async function answerBadly(request: IncomingMessage, response: ServerResponse, badAnswer: BadAnswer, right: () => Answer) {
    switch (badAnswer.kind) {
      case 'status500':
        return send(response, textAnswer(500, 'Internal Server Error'));
      case 'status503':
        return send(response, textAnswer(503, 'Service Unavailable'));
      case 'status429':
        return send(response, textAnswer(429, 'Too Many Requests', { 'retry-after': String(badAnswer.retryAfterSeconds) }));
      case 'reset':
        request.socket.resetAndDestroy();
        return;
      case 'truncated': {
        const answer = right();
        response.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
        const kept = answer.body.subarray(0, Math.floor(answer.body.length * badAnswer.keptShare));
        response.write(kept, () => request.socket.destroy());
        return;
      }
      case 'slowFirstByte':
        await sleep(badAnswer.delayMs, undefined, { signal: closing.signal });
        return send(response, right());
    }
  }

  async function answerFrameRequest(request: IncomingMessage, response: ServerResponse, path: string) {
    const finished = stats.requestStarted(path);
    response.once('close', finished);
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: closing.signal });
    const pushBack = nextPushBack ?? (currentStorm && Date.now() < currentStorm.untilMs ? currentStorm : undefined);
    if (pushBack) {
      nextPushBack = undefined;
      stats.faultServed('storm');
      send(response, textAnswer(pushBack.status, 'Storm', { 'retry-after': String(pushBack.retryAfterSeconds) }));
      if ('answered' in pushBack) pushBack.answered(Date.now());
      return;
    }
    const plan = faultPlan(seed, faults, path);
    const served = badAnswersServed.get(path) ?? 0;
    const badAnswer = plan.badAnswers[served];
    if (!badAnswer) return send(response, rightAnswer(path, plan));
    badAnswersServed.set(path, served + 1);
    stats.faultServed(badAnswer.kind);
    return answerBadly(request, response, badAnswer, () => rightAnswer(path, plan));
  }

  async function answer(request: IncomingMessage, response: ServerResponse) {
    const path = requestPath(request);
    if (path === '/__stats' && request.method === 'GET') {
      const json = Buffer.from(JSON.stringify(stats.snapshot()));
      return send(response, { status: 200, headers: { 'content-type': 'application/json' }, body: json });
    }
    if (path === '/__reset' && request.method === 'POST') {
      stats.reset();
      return send(response, { status: 204, headers: {}, body: Buffer.alloc(0) });
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, textAnswer(405, 'Method Not Allowed', { allow: 'GET, HEAD' }));
    }
    // The camera history page and its endpoints: no faults, not counted in the stats.
    const cdn = request.headers.host ? `http://${request.headers.host}` : '';
    const page = answerHistoryRequest(camera, request.url ?? '/', { cdn, api: apiServer ? apiUrl : '' });
    if (page) return send(response, page);
    return answerFrameRequest(request, response, path);
  }

  const server = createServer((request, response) => {
    // Rejections come from waits cut short by close(), or from a socket the client already dropped.
    answer(request, response).catch(() => response.destroy());
  });
  const address = await listen(server, camera.options.port, host);
  const urlOf = (port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = urlOf(address.port);
  // The page's API on another port: another origin, as an API host of its own would be.
  const apiServer =
    camera.options.apiHost === 'separate'
      ? createServer((request, response) =>
          send(response, answerApiRequest(camera, request.url ?? '/', url) ?? textAnswer(404, 'Not Found')),
        )
      : undefined;
  const apiUrl = apiServer ? urlOf((await listen(apiServer, 0, host)).port) : url;
  const stop = (listening: ReturnType<typeof createServer>) =>
    new Promise<void>((resolve, reject) => {
      if (!listening.listening) return resolve();
      listening.close((error) => (error ? reject(error) : resolve()));
      listening.closeAllConnections();
    });

  return {
    ...camera,
    url,
    apiUrl,
    close: async () => {
      closing.abort();
      await Promise.all([stop(server), ...(apiServer ? [stop(apiServer)] : [])]);
    },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    faultPlan: (path) => faultPlan(seed, faults, path),
    storm: ({ status = 429, retryAfterSeconds = 1, untilMs }) => {
      currentStorm = { status, retryAfterSeconds, untilMs };
    },
    pushBackOnce: ({ status = 429, retryAfterSeconds = 1 } = {}) => {
      const { promise, resolve } = Promise.withResolvers<number>();
      nextPushBack = { status, retryAfterSeconds, answered: resolve };
      return promise;
    },
  };
}
