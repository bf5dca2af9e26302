// The floor of `npm run bench -- --only floor`: the least a Node program on draydog's stack must do
// per frame, and nothing else. For each line of a list (`<url>\t<final path>`), at `--concurrency`
// at once: GET the URL, check that a 200 brought a whole JPEG (draydog's `jpegDefect`), then hash it
// and write it through a temporary file renamed into place (draydog's `writeAtomicallySync`, never
// over an existing file), on the main thread (`--writes main`) or on draydog's writer threads
// (`--writes thread`, `writeOffThread`). No retries, catalog, RxJS, report or logging.
//
//   --client undici   undici's `request()` on an Agent of `--concurrency` connections
//   --client axios    axios on draydog's `undiciAdapter` (responseType arraybuffer), no interceptors
//
// The bench bundles this file with esbuild, as draydog's command line is bundled, and runs the bundle;
// it prints `<frames> <bytes>` written on stdout. A frame that fails ends the run with exit code 1.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import axios from 'axios';
import { Agent, request } from 'undici';
import type { AtomicWriteOutcome } from '../../src/disk/atomic-write.ts';
import { writeAtomicallySync } from '../../src/disk/atomic-write.ts';
import { releaseTemporaryPath, temporaryPathFor } from '../../src/disk/frame-files.ts';
import { writeOffThread } from '../../src/disk/writer-threads.ts';
import { jpegDefect } from '../../src/frame/jpeg.ts';
import { undiciAdapter } from '../../src/http/undici-adapter.ts';

const { values } = parseArgs({
  options: {
    list: { type: 'string' },
    client: { type: 'string', default: 'undici' },
    writes: { type: 'string', default: 'thread' },
    concurrency: { type: 'string', default: '32' },
  },
});
if (!values.list) throw new Error('floor-loop needs --list');
const concurrency = Number(values.concurrency);

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly contentLength: number | undefined;
  readonly body: Buffer;
}

function undiciGet(): (url: string) => Promise<Answer> {
  const dispatcher = new Agent({ connections: concurrency });
  return async (url) => {
    const { statusCode, headers, body } = await request(url, { dispatcher });
    const bytes = Buffer.from(await body.arrayBuffer());
    const declared = headers['content-length'];
    return {
      status: statusCode,
      contentType: String(headers['content-type'] ?? ''),
      contentLength: declared === undefined ? undefined : Number(declared),
      body: bytes,
    };
  };
}

function axiosGet(): (url: string) => Promise<Answer> {
  const client = axios.create({
    adapter: undiciAdapter({ connections: concurrency }),
    responseType: 'arraybuffer',
    validateStatus: () => true,
  });
  return async (url) => {
    const response = await client.get<Buffer>(url);
    const declared = response.headers['content-length'];
    return {
      status: response.status,
      contentType: String(response.headers['content-type'] ?? ''),
      contentLength: declared === undefined ? undefined : Number(declared),
      body: response.data,
    };
  };
}

const get = values.client === 'axios' ? axiosGet() : undiciGet();
const write =
  values.writes === 'main' ? async (args: Parameters<typeof writeAtomicallySync>[0]) => writeAtomicallySync(args) : writeOffThread;

const jobs = readFileSync(values.list, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => line.split('\t') as [string, string]);
const createdFolders = new Set<string>();
let frames = 0;
let bytes = 0;

async function fetchAndWrite(url: string, finalPath: string): Promise<void> {
  const { status, contentType, contentLength, body } = await get(url);
  if (status !== 200 || !contentType.startsWith('image/')) throw new Error(`${url}: HTTP ${status} ${contentType}`);
  const defect = jpegDefect(body, contentLength);
  if (defect) throw new Error(`${url}: ${defect}`);
  const size = body.length;
  const folder = dirname(finalPath);
  if (!createdFolders.has(folder)) {
    mkdirSync(folder, { recursive: true });
    createdFolders.add(folder);
  }
  const temporaryPath = temporaryPathFor(finalPath);
  let outcome: AtomicWriteOutcome;
  try {
    outcome = await write({ finalPath, temporaryPath, body, replace: false, durable: false });
  } finally {
    releaseTemporaryPath(temporaryPath);
  }
  if (outcome.kind !== 'written') throw new Error(`${finalPath} was there already`);
  frames += 1;
  bytes += size;
}

let next = 0;
async function lane(): Promise<void> {
  while (next < jobs.length) {
    const [url, finalPath] = jobs[next++];
    await fetchAndWrite(url, finalPath);
  }
}

try {
  await Promise.all(Array.from({ length: concurrency }, lane));
  process.stdout.write(`${frames} ${bytes}\n`);
  process.exit(0);
} catch (error) {
  process.stderr.write(`floor-loop: ${(error as Error).message}\n`);
  process.exit(1);
}
