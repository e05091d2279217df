#!/usr/bin/env node
// The installed entry point: runs the bundled CLI (built by `npm run build`, also on `npm ci`).
import '../dist/lockstep.mjs';
