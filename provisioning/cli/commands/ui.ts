import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { ExitCode, LockstepError } from '../../api/errors';
import { parsePort } from '../../api/endpoint-parse';
import { startWebBridge } from '../../server/web-bridge';
import { createLockstepService } from '../../service/service';
import { action } from '../action';
import { printJson, printLine, printNote } from '../output';

/**
 * `lockstep ui [--web] [--port N]`: the desktop app, or with `--web` the same UI served
 * on 127.0.0.1 behind a session token, for browsers where no Electron runtime exists.
 */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('open the desktop app; --web serves the same UI on 127.0.0.1 with a token')
    .addOption(new Option('--web', 'serve the UI to a browser instead of opening the desktop app'))
    .addOption(new Option('--port <port>', 'port for --web (default: a free one)'))
    .action(
      action(async (context) => {
        const options = context.command.opts<{ web?: boolean; port?: string }>();
        const root = findAppRoot();
        if (!options.web) return launchElectron(root);

        const port =
          options.port === undefined || options.port === '0' ? 0 : parsePort(options.port, '--port');
        const staticDir = join(root, 'renderer', 'dist');
        if (!existsSync(join(staticDir, 'index.html'))) buildRendererOnce(root);
        if (!existsSync(join(staticDir, 'index.html'))) {
          throw new LockstepError({
            code: 'usage',
            message: `The UI is not built: ${join(staticDir, 'index.html')} is missing.`,
            remedy: 'Run `npm run build:renderer` in the Lockstep folder, then try again.',
          });
        }
        const service = createLockstepService({
          door: 'web',
          version: process.env.LOCKSTEP_VERSION ?? '0.1.0',
          ...(context.options.knownHosts && { knownHostsPath: context.options.knownHosts }),
        });
        const bridge = await startWebBridge({ service, staticDir, port });
        if (context.options.json) printJson({ url: bridge.url, port: bridge.port });
        else {
          printLine(`Lockstep is serving its UI at ${bridge.url}`);
          printLine('Open that address in a browser on this computer. Press Ctrl-C to stop.');
        }
        await waitForStop(context.signal);
        await bridge.close();
        printNote('Lockstep UI stopped.');
        return ExitCode.ok;
      }),
    );
}

/** In a source checkout whose UI was never built (`npm ci` runs no scripts), builds it once. */
function buildRendererOnce(root: string): void {
  const config = join(root, 'renderer', 'vite.config.ts');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(config) || !existsSync(vite)) return;
  printNote('Building the UI once (about a minute)…');
  spawnSync(process.execPath, [vite, 'build', '--config', config, '--logLevel', 'error'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The folder holding `renderer/dist` and `dist/electron`: the source tree or the installed package. */
function findAppRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth += 1) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'renderer'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** The Electron binary that `npm install electron` downloads on a networked machine, when present. */
function electronBinary(root: string): string | undefined {
  const dist = join(root, 'node_modules', 'electron', 'dist');
  const name =
    process.platform === 'darwin'
      ? 'Electron.app/Contents/MacOS/Electron'
      : process.platform === 'win32'
        ? 'electron.exe'
        : 'electron';
  const binary = join(dist, name);
  return existsSync(binary) ? binary : undefined;
}

async function launchElectron(root: string): Promise<number> {
  const binary = electronBinary(root);
  if (!binary) {
    throw new LockstepError({
      code: 'usage',
      message: 'No Electron runtime is installed on this computer, so the desktop app cannot open.',
      remedy:
        'Run `lockstep ui --web` to use the same UI in a browser, or install the packaged desktop app (AppImage or .deb).',
    });
  }
  const main = join(root, 'dist', 'electron', 'main.cjs');
  if (!existsSync(main)) {
    throw new LockstepError({
      code: 'usage',
      message: `The desktop app is not built: ${main} is missing.`,
      remedy: 'Run `npm run build:electron` and `npm run build:renderer`, or use `lockstep ui --web`.',
    });
  }
  const child = spawn(binary, [main], {
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined },
  });
  return new Promise((resolveExit) => child.on('exit', (code) => resolveExit(code ?? ExitCode.failed)));
}

function waitForStop(signal: AbortSignal): Promise<void> {
  return new Promise((resolveStop) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.once('SIGTERM', stop);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
}
