// Bundles the CLI into one file so that a command starts in tens of milliseconds
// (no TypeScript transform at run time): probe speed is a product promise.
import { build } from 'esbuild';

await build({
  entryPoints: ['provisioning/cli/main.ts'],
  outfile: 'dist/lockstep.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
