import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios, { AxiosError, isCancel } from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_TOO_LARGE, undiciAdapter } from '../../src/http/undici-adapter.ts';

// A real loopback server: what the adapter must get right (redirects, cut connections, stalls,
// aborts) happens on sockets.
const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
  '/bytes': (_request, response) => {
    response.writeHead(200, { 'Content-Type': 'image/jpeg', 'X-Seen-Agent': String(_request.headers['user-agent']) });
    response.write(Buffer.alloc(70_000, 1));
    setTimeout(() => response.end(Buffer.alloc(30_000, 2)), 20);
  },
  '/text': (_request, response) => response.end('{"a":1}'),
  '/missing': (_request, response) => response.writeHead(404).end('no'),
  '/broken': (_request, response) => response.writeHead(503).end('down'),
  '/hop': (_request, response) => response.writeHead(302, { Location: '/text' }).end(),
  '/chain': (request, response) =>
    response.writeHead(302, { Location: `/chain?n=${Number(new URL(request.url!, 'http://x').searchParams.get('n')) + 1}` }).end(),
  '/cut': (request, response) => {
    response.writeHead(200, { 'Content-Length': '1000' });
    response.write(Buffer.alloc(400));
    setTimeout(() => request.socket.destroy(), 20);
  },
  '/stall': (_request, response) => {
    response.writeHead(200, { 'Content-Length': '1000' });
    response.write(Buffer.alloc(400));
  },
  '/silent': () => undefined,
  '/drip': (_request, response) => {
    // 8 chunks 60 ms apart: slower in total than the timeout, never silent for as long
    response.writeHead(200, { 'Content-Length': '8' });
    let sent = 0;
    const next = setInterval(() => {
      response.write('x');
      if (++sent === 8) {
        clearInterval(next);
        response.end();
      }
    }, 60);
  },
  '/hop-to-drip': (_request, response) => response.writeHead(302, { Location: '/drip' }).end(),
};

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((request, response) => routes[request.url!.split('?')[0]](request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = (options: { timeout?: number; maxRedirects?: number; validateStatus?: (status: number) => boolean } = {}) =>
  axios.create({
    adapter: undiciAdapter({ connections: 4, maxRedirects: options.maxRedirects }),
    timeout: options.timeout ?? 2000,
    responseType: 'arraybuffer',
    ...(options.validateStatus && { validateStatus: options.validateStatus }),
    headers: { 'User-Agent': 'draydog-test' },
  });

async function failure(request: Promise<unknown>): Promise<AxiosError> {
  const error = await request.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AxiosError);
  return error as AxiosError;
}

describe('undiciAdapter', () => {
  it('returns the whole body as a Buffer, with status, headers and the request headers sent', async () => {
    const response = await client().get(`${base}/bytes`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/jpeg');
    expect(response.headers['x-seen-agent']).toBe('draydog-test');
    expect(Buffer.isBuffer(response.data)).toBe(true);
    expect(response.data.length).toBe(100_000);
    expect([response.data[0], response.data[99_999]]).toEqual([1, 2]);
  });

  it('gives text to axios for other response types, which parses JSON as usual', async () => {
    const response = await axios.create({ adapter: undiciAdapter({ connections: 1 }) }).get(`${base}/text`, { params: { q: 'x y' } });
    expect(response.data).toEqual({ a: 1 });
  });

  it('joins a relative URL to baseURL the way axios does', async () => {
    const relative = axios.create({ adapter: undiciAdapter({ connections: 1 }), baseURL: `${base}/`, responseType: 'text' });
    expect((await relative.get('text')).data).toBe('{"a":1}');
  });

  it('follows redirects, and stops with an error after maxRedirects', async () => {
    expect(Buffer.from((await client().get(`${base}/hop`)).data).toString()).toBe('{"a":1}');
    const error = await failure(client({ maxRedirects: 3 }).get(`${base}/chain?n=0`));
    expect([error.code, error.message]).toEqual(['ERR_FR_TOO_MANY_REDIRECTS', expect.stringMatching(/redirect/i)]);
  });

  it('times a redirected request by its silences, not from the first hop', async () => {
    const response = await client({ timeout: 250 }).get(`${base}/hop-to-drip`);
    expect(Buffer.from(response.data).toString()).toBe('xxxxxxxx');
  });

  it('rejects statuses validateStatus refuses with the response, like axios', async () => {
    const notFound = await failure(client().get(`${base}/missing`));
    expect([notFound.code, notFound.response?.status, notFound.message]).toEqual([
      AxiosError.ERR_BAD_REQUEST,
      404,
      'Request failed with status code 404',
    ]);
    const down = await failure(client().get(`${base}/broken`));
    expect([down.code, down.response?.status]).toEqual([AxiosError.ERR_BAD_RESPONSE, 503]);
    expect((await client({ validateStatus: (status) => status === 404 }).get(`${base}/missing`)).status).toBe(404);
  });

  it('rejects a body cut short with the response but without its data', async () => {
    const error = await failure(client().get(`${base}/cut`));
    expect(error.response?.status).toBe(200);
    expect(error.response?.data).toBeUndefined();
  });

  it('times out a body that stalls, and a server that never answers, after `timeout` ms of silence', async () => {
    for (const path of ['/stall', '/silent']) {
      const started = performance.now();
      const error = await failure(client({ timeout: 150 }).get(`${base}${path}`));
      const waited = performance.now() - started;
      expect([error.code, error.message]).toEqual(['ECONNABORTED', 'timeout of 150ms exceeded']);
      expect(waited).toBeGreaterThanOrEqual(140);
      expect(waited).toBeLessThan(1000);
    }
  });

  it('cancels on an abort signal, before and during a request', async () => {
    const before = new AbortController();
    before.abort();
    expect(isCancel(await failure(client().get(`${base}/bytes`, { signal: before.signal })))).toBe(true);
    const during = new AbortController();
    setTimeout(() => during.abort(), 50);
    const error = await failure(client().get(`${base}/stall`, { signal: during.signal }));
    expect([isCancel(error), error.code]).toEqual([true, 'ERR_CANCELED']);
  });

  it('settles a cancelled request at once while it waits for a connection', async () => {
    const single = axios.create({ adapter: undiciAdapter({ connections: 1 }), timeout: 5000 });
    const holding = single.get(`${base}/stall`).catch(() => undefined);
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(), 50);
    const started = performance.now();
    const error = await failure(single.get(`${base}/text`, { signal: waiting.signal }));
    expect([isCancel(error), performance.now() - started < 400]).toEqual([true, true]);
    void holding;
  });

  it('rejects a body it cannot send with an AxiosError', async () => {
    const error = await failure(client().post(`${base}/text`, { a: 1 }, { transformRequest: [(data) => data] }));
    expect(error.code).toBe(AxiosError.ERR_BAD_REQUEST);
  });

  it('names the system error of a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(client().get(`http://127.0.0.1:${port}/`));
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.response).toBeUndefined();
  });

  it('enforces maxContentLength', async () => {
    const error = await failure(client().get(`${base}/bytes`, { maxContentLength: 50_000 }));
    expect([error.code, error.message]).toEqual([
      BODY_TOO_LARGE,
      expect.stringMatching(/^body larger than the 50000 bytes allowed \(\d+ bytes received\)$/),
    ]);
  });

  it('goes through the proxy HTTP_PROXY names, as axios does', async () => {
    const seen: string[] = [];
    const proxy = createServer((request, response) => {
      seen.push(request.url!);
      response.end('via proxy');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const response = await client().get('http://camera.invalid/frame.jpeg');
      expect([Buffer.from(response.data).toString(), seen]).toEqual(['via proxy', ['http://camera.invalid/frame.jpeg']]);
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
