// Preloaded with `node --import ./scripts/bench/max-rss.ts`: writes the process's peak RSS (bytes) to
// $BENCH_MAX_RSS_FILE when it exits, so the bench needs neither /usr/bin/time nor a shell.
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_MAX_RSS_FILE;
if (target) {
  process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS * 1024)));
}
