import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree, runCli } from '../support/cli.ts';
import { fakeJpeg } from '../support/jpeg.ts';

// A CDN behind Basic auth: frames only for `user:s3cr@t`, 401 otherwise.
const SECRET = 's3cr@t';
const expectedAuthorization = `Basic ${Buffer.from(`user:${SECRET}`).toString('base64')}`;
const seenAuthorizations = new Set<string>();
let server: Server;
let port: number;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'draydog-credentials-'));
  server = createServer((request, response) => {
    seenAuthorizations.add(String(request.headers.authorization));
    if (request.headers.authorization !== expectedAuthorization) return void response.writeHead(401, { 'www-authenticate': 'Basic' }).end();
    if (request.url!.includes('-thumbnail')) return void response.writeHead(404).end();
    const body = fakeJpeg(request.url!);
    response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

describe('credentials in --base-url', () => {
  it('are sent as Basic auth, and found nowhere in what draydog prints or stores', async () => {
    const cwd = mkdtempSync(join(root, 'run-'));
    const baseUrl = `http://user:${encodeURIComponent(SECRET)}@127.0.0.1:${port}`;
    const run = await runCli(
      [
        'download',
        '--from',
        '2025-09-01',
        '--streams',
        'in_gate',
        '--max-per-date',
        '3',
        '--base-url',
        baseUrl,
        '--out',
        'images',
        '--db',
        'catalog.sqlite',
        '--json',
        '--verbose',
      ],
      { cwd },
    );

    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).stats).toMatchObject({ downloaded: 3, failed: 0 });
    expect([...seenAuthorizations]).toEqual([expectedAuthorization]);
    expect(JSON.parse(run.stdout).config.baseUrl).toBe(`http://127.0.0.1:${port}`);
    for (const text of [run.stdout, run.stderr]) expect(text).not.toMatch(/s3cr|user:/);
    // the report, the catalog (its source_url column) and every other file written
    const files = listTree(cwd).filter((path) => !path.endsWith('/'));
    expect(files).toEqual(expect.arrayContaining(['catalog.sqlite', expect.stringMatching(/^images\/reports\/download-.*\.json$/)]));
    for (const file of files) expect(readFileSync(join(cwd, file)).includes('s3cr'), file).toBe(false);
    expect(readFileSync(join(cwd, 'catalog.sqlite')).includes(`http://127.0.0.1:${port}/apm/2025-09-01/`)).toBe(true);
  });

  it('watch: sent as Basic auth, found nowhere in its log or catalog', async () => {
    const cwd = mkdtempSync(join(root, 'watch-'));
    seenAuthorizations.clear();
    const baseUrl = `http://user:${encodeURIComponent(SECRET)}@127.0.0.1:${port}`;
    const run = await runCli(
      [
        'watch',
        '--max-cycles',
        '1',
        '--clock-from',
        '2025-09-01T00:30:00',
        '--settle',
        '0',
        '--streams',
        'in_gate',
        '--base-url',
        baseUrl,
        '--out',
        'images',
        '--db',
        'catalog.sqlite',
        '--verbose',
      ],
      { cwd },
    );

    expect(run.code, run.stderr).toBe(0);
    expect([...seenAuthorizations]).toEqual([expectedAuthorization]);
    expect(run.stderr).toContain(`"baseUrl":"http://127.0.0.1:${port}"`);
    expect(run.stderr).toMatch(/"downloaded":4/);
    expect(run.stderr).not.toMatch(/s3cr|user:/);
    for (const file of listTree(cwd).filter((path) => !path.endsWith('/')))
      expect(readFileSync(join(cwd, file)).includes('s3cr'), file).toBe(false);
  });
});
