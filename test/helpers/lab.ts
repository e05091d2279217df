import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { LabCredentials, LabInfo, LabNodeInfo } from '../../provisioning/lab/types';

export type { LabInfo, LabNodeInfo, LabCredentials };

declare module 'vitest' {
  export interface ProvidedContext {
    /** The practice lab brought up by test/integration/global-setup.ts; null when it cannot run here. */
    lab: LabInfo | null;
    /** Why the lab is not available (not Linux, not root); null when it is up. */
    labSkipReason: string | null;
  }
}

/** The repository root (bin/lockstep.mjs lives there). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Why integration tests against the lab cannot run on this machine, or undefined when
 * they can: the lab needs Linux and root.
 */
export function labUnsupportedReason(): string | undefined {
  if (process.platform !== 'linux') return `the practice lab needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the practice lab needs root (run the integration tests as root)';
  return undefined;
}

/** The lab the global setup provided, with the reason when there is none. */
export function injectedLab(): { lab: LabInfo | null; skipReason: string | null } {
  return { lab: inject('lab'), skipReason: inject('labSkipReason') };
}

/** What a finished process left behind. */
export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** Runs a program, optionally feeding stdin, and collects its output (never throws on exit codes). */
export function runProcess(
  file: string,
  args: readonly string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 1, stdout, stderr, elapsedMs: Date.now() - started });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}

/** Runs the built CLI (`node bin/lockstep.mjs …`) as a user would. */
export function runLockstep(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessResult> {
  return runProcess(process.execPath, [join(REPO_ROOT, 'bin/lockstep.mjs'), ...args], options);
}

/** OpenSSH client options that trust only the lab's pinned keys and ignore the user's own config. */
function sshBaseOptions(lab: LabInfo): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    `UserKnownHostsFile=${lab.knownHostsPath}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'ConnectTimeout=15',
    '-o',
    'LogLevel=ERROR',
  ];
}

/** Runs a command on a lab server as root with the lab key, through the OpenSSH client. */
export function sshAsRoot(
  lab: LabInfo,
  node: LabNodeInfo,
  remoteCommand: string,
  stdin?: string,
): Promise<ProcessResult> {
  return runProcess(
    'ssh',
    [
      ...sshBaseOptions(lab),
      '-i',
      lab.identityFile,
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-p',
      String(node.port),
      `root@${node.address}`,
      remoteCommand,
    ],
    { ...(stdin !== undefined && { stdin }) },
  );
}

let askpass: string | undefined;

/** An SSH_ASKPASS program that answers with $LOCKSTEP_TEST_PASSWORD (the password never appears on a command line). */
function askpassProgram(): string {
  if (askpass) return askpass;
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-askpass-'));
  askpass = join(dir, 'askpass.sh');
  writeFileSync(askpass, '#!/bin/sh\nprintf \'%s\\n\' "$LOCKSTEP_TEST_PASSWORD"\n');
  chmodSync(askpass, 0o700);
  return askpass;
}

/** Runs a command on a lab server as a password user through the OpenSSH client; stdin feeds the command. */
export function sshWithPassword(
  lab: LabInfo,
  node: LabNodeInfo,
  user: string,
  password: string,
  remoteCommand: string,
  stdin?: string,
): Promise<ProcessResult> {
  return runProcess(
    'ssh',
    [
      ...sshBaseOptions(lab),
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password',
      '-o',
      'NumberOfPasswordPrompts=1',
      '-p',
      String(node.port),
      `${user}@${node.address}`,
      remoteCommand,
    ],
    {
      ...(stdin !== undefined && { stdin }),
      env: {
        ...process.env,
        SSH_ASKPASS: askpassProgram(),
        SSH_ASKPASS_REQUIRE: 'force',
        DISPLAY: process.env.DISPLAY ?? ':0',
        LOCKSTEP_TEST_PASSWORD: password,
      },
    },
  );
}

/** The practice users' passwords of the current `lab up` (read fresh: each up makes new ones). */
export function readLabCredentials(lab: LabInfo): LabCredentials {
  return JSON.parse(readFileSync(lab.credentialsFile, 'utf8')) as LabCredentials;
}
