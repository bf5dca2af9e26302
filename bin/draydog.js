#!/usr/bin/env node
// The compile cache (in the system's temporary folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off)
// keeps compiled code between runs.
import module from 'node:module';
import { cliEntry } from './entry.js';

module.enableCompileCache?.();
const { main } = await import(cliEntry().url.href);
process.exitCode = await main(process.argv.slice(2));
