import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/http-client.ts';

// A plain HTTP server that counts connections: https:// to it is a TLS error.
let plain: Server;
let plainHost: string;
let connections = 0;
let refusedHost: string;
beforeAll(async () => {
  plain = createServer((_request, response) => response.end('plain'));
  plain.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainHost = `127.0.0.1:${(plain.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedHost = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((resolve) => closed.close(resolve));
});
afterAll(async () => {
  plain.closeAllConnections();
  await new Promise((resolve) => plain.close(resolve));
});

/** One GET through a client with retries; what it rejected with and the reasons it gave for an unreachable server. */
async function getOnce(url: string) {
  const reasons: string[] = [];
  const http = createHttpClient({ retries: 3, retryDelayMs: 10, onUnreachable: (reason) => reasons.push(reason) });
  const error = await http.get(url).then(
    () => undefined,
    (failure: { code?: string }) => failure,
  );
  return { error, reasons };
}

describe('a server that cannot be reached before anything answered', () => {
  it.for([
    { what: 'a refused connection', url: () => `http://${refusedHost}/f.jpeg`, host: () => refusedHost, code: 'ECONNREFUSED' },
    { what: 'a TLS error', url: () => `https://${plainHost}/f.jpeg`, host: () => plainHost, code: 'ERR_SSL_WRONG_VERSION_NUMBER' },
    { what: 'an unknown host', url: () => 'http://no-such-host.invalid/f.jpeg', host: () => 'no-such-host.invalid', code: 'ENOTFOUND' },
  ])('$what: one line naming the host and the error, and no retry', async ({ url, host, code }) => {
    const connectionsBefore = connections;
    const { error, reasons } = await getOnce(url());
    expect(error?.code).toBe(code);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(new RegExp(`^cannot reach ${host().replaceAll('.', '\\.')}: ${code} \\([^\\n]+\\)$`));
    // the TLS case reaches the plain server: once, not once per retry
    if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') expect(connections - connectionsBefore).toBe(1);
  });

  it('a server that has answered once is retried as before', async () => {
    const reasons: string[] = [];
    const http = createHttpClient({ retries: 2, retryDelayMs: 10, onUnreachable: (reason) => reasons.push(reason) });
    await http.get(`http://${plainHost}/ok`).catch(() => undefined);
    const error = await http.get(`http://${refusedHost}/f.jpeg`).then(
      () => undefined,
      (failure: { code?: string; config?: { 'axios-retry'?: { retryCount?: number } } }) => failure,
    );
    expect([error?.code, error?.config?.['axios-retry']?.retryCount, reasons]).toEqual(['ECONNREFUSED', 2, []]);
  });
});
