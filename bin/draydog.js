#!/usr/bin/env node
// Node >= 22.18 runs the TypeScript sources directly (type stripping): no build step.
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
