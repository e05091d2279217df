// Bundles Electron main and preload into dist/electron as CommonJS (a sandboxed preload
// must be one self-contained script). The engine is bundled into main; native or
// optional modules (ssh2's crypto bindings) stay external and ship in node_modules.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: 'linked',
  logLevel: 'warning',
  external: ['electron', 'ssh2', 'cpu-features'],
};

await build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' });
await build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' });
