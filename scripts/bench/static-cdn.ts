// A CDN stand-in for `npm run bench` that costs next to nothing per request: every body the range
// can be asked for (full-size frames and thumbnails) is made once, before the first request, and
// served from memory. The simulator instead builds each body, works out its fault plan and keeps
// stats per request, and on two cores that CPU slows whichever tool it serves: the benchmark would
// show the simulator's cost, not the downloader's.
//
//   node scripts/bench/static-cdn.ts --from 2025-09-01 --to 2025-09-10 --frame-size full
//
// `--on-demand` makes each body when it is asked for instead (for the memory runs over a year, whose
// bodies would take gigabytes here; what they cost the stand-in does not change draydog's memory).
//
// Prints its URL on stdout once it listens. `GET /__cpu` answers the CPU time it has spent serving
// (JSON, milliseconds, making the bodies not included), so the bench can show what the stand-in cost.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createCamera, type FrameSize } from '../../src/simulator/index.ts';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    streams: { type: 'string', default: 'in_gate,out_gate' },
    'frame-size': { type: 'string', default: 'full' },
    seed: { type: 'string', default: '1' },
    'on-demand': { type: 'boolean', default: false },
  },
});
if (!values.from || !values.to) throw new Error('static-cdn needs --from and --to');

const camera = createCamera({ seed: Number(values.seed), timing: 'grid', faults: 'none', frameSize: values['frame-size'] as FrameSize });
const bodies = new Map<string, Buffer>();
for (
  let day = Date.parse(`${values.from}T00:00:00Z`);
  !values['on-demand'] && day <= Date.parse(`${values.to}T00:00:00Z`);
  day += 86_400_000
) {
  const date = new Date(day).toISOString().slice(0, 10);
  for (const stream of values.streams.split(',')) {
    for (const frame of camera.frames(date, stream)) {
      const thumbnail = camera.frameBytes(stream, frame.capturedAt, 'thumbnail');
      if (thumbnail) bodies.set(frame.thumbnailPath, thumbnail);
      const full = camera.frameBytes(stream, frame.capturedAt, 'full');
      if (full) bodies.set(frame.fullPath, full);
    }
  }
}

const jpegHeaders = { 'content-type': 'image/jpeg' };
const atStart = process.resourceUsage();
const cpuSpent = () => {
  const now = process.resourceUsage();
  return { userMs: (now.userCPUTime - atStart.userCPUTime) / 1000, systemMs: (now.systemCPUTime - atStart.systemCPUTime) / 1000 };
};
const notFound = Buffer.from('Not Found');
const server = createServer((request, response) => {
  // clients may send the colons of a frame path as %3A
  const path = request.url!.includes('%') ? decodeURIComponent(request.url!) : request.url!;
  const body = values['on-demand'] ? camera.jpegAt(path) : bodies.get(path);
  if (path === '/__cpu') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(cpuSpent()));
  } else if (body) {
    response.writeHead(200, { ...jpegHeaders, 'content-length': body.length });
    response.end(body);
  } else {
    response.writeHead(404, { 'content-type': 'text/plain', 'content-length': notFound.length });
    response.end(notFound);
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
