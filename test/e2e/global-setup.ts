import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * Builds what the suite drives: the CLI bundle (`lockstep ui --web`) and the renderer.
 * LOCKSTEP_E2E_SKIP_BUILD=1 skips it when a caller has just built both.
 */
export default function globalSetup(): void {
  mkdirSync('artifacts/screenshots', { recursive: true });
  if (process.env.LOCKSTEP_E2E_SKIP_BUILD === '1') return;
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  execFileSync('npm', ['run', '--silent', 'build:renderer', '--', '--logLevel', 'error'], {
    stdio: 'inherit',
  });
}
