import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyCdn {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A proxy in front of a simulator that answers some requests itself: `refuse` gives the status a
 * request (by its decoded path) gets instead of the simulator's answer, or undefined to pass it on.
 */
export async function startProxyCdn(upstream: string, refuse: (path: string) => number | undefined): Promise<ProxyCdn> {
  const server = createServer((request, response) => {
    const status = refuse(decodeURIComponent(request.url ?? ''));
    if (status !== undefined) return void response.writeHead(status, { 'content-type': 'text/plain' }).end(`HTTP ${status}`);
    fetch(`${upstream}${request.url}`)
      .then(async (answer) => {
        const body = Buffer.from(await answer.arrayBuffer());
        response
          .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain', 'content-length': body.length })
          .end(body);
      })
      .catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
