// The newcomer's main job, no internet needed: a loopback camera, two days of both streams, into ./demo-data.
import { resolve } from 'node:path';
import { main } from '../src/cli.ts';
import { startSimulator } from '../src/simulator/index.ts';

const out = resolve('demo-data');
const simulator = await startSimulator({ seed: 7, timing: 'grid', faults: 'mild', missing: 0.1 });
process.stderr.write(`Camera simulator (mild faults) at ${simulator.url}\n`);
let exitCode: number;
try {
  exitCode = await main([
    'download',
    '--from',
    '2025-09-06',
    '--to',
    '2025-09-07',
    '--base-url',
    simulator.url,
    '--out',
    `${out}/images`,
    '--db',
    `${out}/draydog.sqlite`,
    '--report',
    `${out}/report.json`,
    '--html',
    `${out}/coverage.html`,
    '--retry-delay',
    '200',
  ]);
} finally {
  await simulator.close();
}
process.stderr.write(
  [
    '',
    `Images:  ${out}/images/<YYYY-MM-DD>/<stream>/<YYYYMMDDHHMMSS>_<stream>.jpg`,
    `Catalog: ${out}/draydog.sqlite (table images)`,
    `Report:  ${out}/report.json`,
    `Coverage heatmap: ${out}/coverage.html (open it in a browser)`,
    `Run it again: everything is already there and nothing is fetched. See the catalog: npx draydog report --db ${out}/draydog.sqlite`,
    '',
  ].join('\n'),
);
process.exitCode = exitCode;
