#!/usr/bin/env node
// The compile cache (in the system's temporary folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off)
// keeps compiled code between runs.
import module from 'node:module';
import v8 from 'node:v8';
import { cliEntry } from './entry.js';

// package.json's engines: older Nodes cannot strip the sources' types and lack APIs the bundle uses,
// and would fail with a stack trace that does not say why
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `draydog: needs Node 22.19 or newer, this is Node ${process.versions.node} (in a clone of draydog, npx draydog runs the Node 24 of its devDependencies)\n`,
  );
  process.exitCode = 1;
} else {
  module.enableCompileCache?.();
  // V8 grows the young generation with the rate of allocation, to 134 MB on a machine of 24 GB in a
  // 60-day download (67 MB in the throughput set), so peak RSS grew with the range. A growth factor of
  // 1 keeps it at its first size; its cost in CPU was within the noise of the throughput set.
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  // What that small young generation promotes early dies in the old one, which V8 lets grow to up to
  // 4x what the last full collection kept before it collects again. A factor of 2 took peak RSS from
  // 315 to 258 MB for 365 days and from 234 to 191 MB for the throughput set, its CPU within the noise.
  v8.setFlagsFromString('--heap-growing-percent=100');
  const { main } = await import(cliEntry().url.href);
  process.exitCode = await main(process.argv.slice(2));
}
