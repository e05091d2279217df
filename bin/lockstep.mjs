#!/usr/bin/env node
// The installed entry point: runs the bundled CLI, building it first when a source
// checkout has not yet (`npm ci` runs no install scripts: see .npmrc).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/lockstep.mjs', import.meta.url));
const builder = fileURLToPath(new URL('../build/build-cli.mjs', import.meta.url));
if (!existsSync(bundle) && existsSync(builder)) {
  execFileSync(process.execPath, [builder], { stdio: ['ignore', 'ignore', 'inherit'] });
}
await import('../dist/lockstep.mjs');
