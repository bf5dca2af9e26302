// `prepare` (run by npm ci and npm install in a clone, and before npm pack): builds dist/ when the
// build tools are installed. Without them (`npm ci --omit=dev`, for one) it says so and leaves dist/
// alone, rather than failing the install. Plain JavaScript, as it may run on any Node npm runs on.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

try {
  createRequire(import.meta.url).resolve('esbuild');
} catch {
  console.warn('draydog: the dev dependencies are not installed, so dist/ is not built; bin/draydog.js runs the sources');
  process.exit(0);
}
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(build.status ?? 1);
