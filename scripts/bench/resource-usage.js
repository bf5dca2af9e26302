// Preloaded with `node --import ./scripts/bench/resource-usage.js`: writes the process's peak RSS and
// its CPU time (all threads) as JSON to $BENCH_USAGE_FILE when it exits, so the bench needs neither
// /usr/bin/time nor a shell. Worker threads run preloads too: only the main thread writes.
// JavaScript, not TypeScript: a .ts preload would load Node's type stripper into every measured run
// (20-40 ms of start-up that draydog's own bundle does not need).
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const target = process.env.BENCH_USAGE_FILE;
if (target && isMainThread) {
  process.on('exit', () => {
    const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage();
    writeFileSync(target, JSON.stringify({ maxRssBytes: maxRSS * 1024, userMs: userCPUTime / 1000, systemMs: systemCPUTime / 1000 }));
  });
}
