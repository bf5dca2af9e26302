import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseTimestamp } from '../../src/frame/time.ts';

export interface LaggingCdn {
  readonly url: string;
  /** While true every request gets a 503. */
  down: boolean;
  /** Frame requests answered so far (503s included). */
  requests: number;
  close(): Promise<void>;
}

/**
 * A proxy in front of a simulator that acts like a camera uploading late: a frame captured less than
 * `lagMs` before `now()` answers 404, as if it were not uploaded yet. `down` makes it answer 503.
 */
export async function startLaggingCdn(upstream: string, now: () => number, lagMs: number): Promise<LaggingCdn> {
  const server = createServer((request, response) => {
    cdn.requests += 1;
    if (cdn.down) return void response.writeHead(503, { 'content-type': 'text/plain' }).end('down');
    const capturedAt = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})-/.exec(decodeURIComponent(request.url ?? ''))?.[1];
    if (capturedAt && parseTimestamp(capturedAt) > now() - lagMs)
      return void response.writeHead(404, { 'content-type': 'text/plain' }).end('not yet');
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
  const cdn: LaggingCdn = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    down: false,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return cdn;
}
