/**
 * Lockstep against its peers, on the practice lab: each figure times one thing a user
 * does, with Lockstep and with the tool they would otherwise use, under hyperfine.
 * `bench/run.sh` installs the peers and brings the lab up, then runs this file.
 *
 * A figure checks every command once before timing it; a command that does not work
 * (not built yet, peer missing, lab down) is reported "not available: <why>" and the
 * other figures still run. Add a figure by writing one function and listing it in FIGURES.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { quote } from '../provisioning/util/shell';
import { faultAlert, watchCpu } from './console';
import { fullInstall, timedApply, topPhases } from './full-install';
import { holdLab } from './lab-quiet';
import {
  LAB_ALLOWED_CHECKS,
  LOCKSTEP,
  ROOT,
  onServer,
  parseJson,
  sshArgs,
  stats,
  type BenchContext,
  type ContenderResult,
  type ConvergeResult,
  type FigureResult,
  type LabFiles,
  type Measurement,
} from './types';
import { uiFigures } from './ui';

const RESULTS = join(ROOT, 'bench/results');
const LAB_SUBNET = '10.211.0.0/24';
/** Seconds of --watch over which the console's server CPU is measured. */
const WATCH_WINDOW_S = 60;

/** One command to time, and how to tell that its single check run did the job. */
interface Contender {
  readonly label: string;
  readonly command: string;
  /** Returns a reason when the output shows the command did not do the job. */
  readonly verify?: (stdout: string) => string | undefined;
  /** Set instead of `command` when the contender cannot run at all. */
  readonly unavailable?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that still count as the job done (validate exits 1 when a check fails). */
  readonly okCodes?: readonly number[];
}

/** A figure timed by hyperfine: each contender is one shell command. */
interface Figure {
  readonly kind?: 'hyperfine';
  readonly id: string;
  readonly title: string;
  readonly note: string;
  readonly runs: number;
  /** The contenders, or the reason the figure cannot run here. */
  prepare(context: BenchContext): { lockstep: Contender; peers: Contender[] } | string;
}

/** A figure that takes its own measurements (a fault injected, a browser driven, an install); may give several rows. */
interface SampledFigure {
  readonly kind: 'sampled';
  readonly id: string;
  /** Ids of the rows it returns (a run names either). */
  readonly rows: readonly string[];
  sample(context: BenchContext): Promise<FigureResult[]>;
}

// ───────────────────────────── figures ─────────────────────────────

/** (1) Find the SSH servers on the lab's /24. */
const discoverSubnet: Figure = {
  id: 'discover-24',
  title: 'discover the lab /24',
  note:
    'nmap -sT only finds open ports (no banner, no host key); nmap+ssh-hostkey also reads the keys, ' +
    'the same work as discover.',
  runs: 10,
  prepare(context) {
    if (!context.lab) return `the lab is not up (${context.labProblem ?? 'unknown'})`;
    const servers = context.lab.addresses;
    const findsServers = (stdout: string): string | undefined => {
      const missing = servers.filter((address) => !stdout.includes(address));
      return missing.length === 0 ? undefined : `did not find ${missing.join(', ')}`;
    };
    return {
      lockstep: {
        label: 'lockstep discover',
        command: `${LOCKSTEP} --json discover ${LAB_SUBNET}`,
        verify: (stdout) => {
          const report = parseJson<{ rows?: { address: string | null; state: string }[] }>(stdout);
          if (!report?.rows) return 'no JSON rows on stdout';
          const found = report.rows.filter((row) => row.state === 'ssh').map((row) => row.address ?? '');
          return findsServers(found.join(' '));
        },
      },
      peers: [
        peerTool('nmap', {
          label: 'nmap -sT -p22',
          command: `nmap -n -sT -p22 --open ${LAB_SUBNET}`,
          verify: findsServers,
        }),
        peerTool('nmap', {
          label: 'nmap + ssh-hostkey',
          command: `nmap -n -sT -p22 --open --script ssh-hostkey ${LAB_SUBNET}`,
          verify: (stdout) => findsServers(stdout) ?? (stdout.includes('ssh-hostkey') ? undefined : 'no host keys in the output'),
        }),
      ],
    };
  },
};

/** Two plain OpenSSH logins in parallel running `true`: what any SSH-based tool pays first. */
function sshFloor(lab: LabFiles): Contender {
  const args = sshArgs(lab).map(quote).join(' ');
  const [first = '', second = ''] = lab.addresses;
  return peerTool('ssh', {
    label: 'ssh true ×2 (floor)',
    command: `ssh ${args} root@${first} true & p=$!; ssh ${args} root@${second} true && wait $p`,
  });
}

/** `lockstep probe` of both lab servers: the figure probe-2, and the inventory-only peer of validate-2. */
function lockstepProbe(lab: LabFiles, label = 'lockstep probe'): Contender {
  return {
    label,
    command: [
      LOCKSTEP, '--json', '--known-hosts', quote(lab.knownHostsPath),
      'probe', ...lab.addresses.map(quote), '-i', quote(lab.identityFile),
    ].join(' '),
    verify: (stdout) => {
      const report = parseJson<{ nodes?: { ok?: boolean }[] }>(stdout);
      if (!report) return 'no JSON on stdout';
      if (Array.isArray(report.nodes) && report.nodes.some((node) => node.ok === false)) return 'a server failed';
      return undefined;
    },
  };
}

/** (2) Inventory both lab servers. */
const probePair: Figure = {
  id: 'probe-2',
  title: 'probe both lab servers',
  note:
    'ansible setup gathers a comparable fact set; its default ControlPersist reuses SSH connections ' +
    'between runs. "ssh true" is the floor: two logins in parallel, no work.',
  runs: 5,
  prepare(context) {
    const lab = context.lab;
    if (!lab) return `the lab is not up (${context.labProblem ?? 'unknown'})`;
    const inventory = join(context.scratch, 'inventory.ini');
    writeFileSync(inventory, ansibleInventory(lab));
    return {
      lockstep: lockstepProbe(lab),
      peers: [
        peerTool('ansible', {
          label: 'ansible -m setup',
          command: `ansible all -i ${quote(inventory)} -m setup`,
          env: ansibleEnv(context),
          verify: (stdout) => ((stdout.match(/SUCCESS/g) ?? []).length === lab.addresses.length ? undefined : 'not every host SUCCESS'),
        }),
        sshFloor(lab),
      ],
    };
  },
};

/** (3) Every check of the catalogue on both lab servers. */
const validatePair: Figure = {
  id: 'validate-2',
  title: 'validate both servers',
  note:
    'every check of the catalogue on both servers (exit 1 is expected: the containers fail the disk, DRBD and ' +
    'virtualization checks). No other tool runs these checks: the peers are the floor (two bare logins) and ' +
    'Lockstep\'s own probe (the inventory every check starts from), so the ratios say what the checks cost on top.',
  runs: 5,
  prepare(context) {
    const lab = context.lab;
    if (!lab) return `the lab is not up (${context.labProblem ?? 'unknown'})`;
    return {
      lockstep: {
        label: 'lockstep validate',
        command: `${LOCKSTEP} --json -c ${quote(lab.siteFile)} --known-hosts ${quote(lab.knownHostsPath)} validate`,
        okCodes: [1],
        verify: (stdout) => {
          const report = parseJson<{ nodes?: string[]; summary?: { pass: number }; findings?: { id: string; severity: string }[] }>(stdout);
          if (!report?.summary || !report.findings) return 'no validation report on stdout';
          if (report.findings.some((finding) => finding.id === 'ssh.unreachable' && finding.severity !== 'pass')) return 'a server was not reached';
          return report.summary.pass > 0 ? undefined : 'no check passed';
        },
      },
      peers: [sshFloor(lab), lockstepProbe(lab, 'lockstep probe (inventory only)')],
    };
  },
};

/** Extra vars and inventory for the converged-pair playbook; converges it once. */
function prepareAnsible(context: BenchContext, lab: LabFiles): { inventory: string; env: Record<string, string>; extra: string } | string {
  const files = join(context.scratch, 'ansible-files');
  mkdirSync(files, { recursive: true });
  try {
    const [first = ''] = lab.addresses;
    writeFileSync(join(files, 'lockstep-bundle.list'), onServer(lab, first, 'cat /etc/apt/sources.list.d/lockstep-bundle.list'));
    writeFileSync(join(files, 'corosync.conf'), onServer(lab, first, 'cat /etc/corosync/corosync.conf'));
    for (const address of lab.addresses) onServer(lab, address, 'mkdir -p /var/lib/lockstep-bench');
  } catch (error) {
    return `the lab is not converged (${error instanceof Error ? error.message : String(error)})`;
  }
  const inventory = join(context.scratch, 'inventory.ini');
  writeFileSync(inventory, ansibleInventory(lab));
  return { inventory, env: ansibleEnv(context), extra: `files_dir=${files}` };
}

function ansibleEnv(context: BenchContext): Record<string, string> {
  return {
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_HOME: join(context.scratch, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: join(context.scratch, 'ansible-tmp'),
    ANSIBLE_NOCOLOR: '1',
  };
}

/** The apply of the lab, as scripts/demo.sh runs it (the container lab cannot pass three checks). */
function lockstepApply(lab: LabFiles): string {
  return `${LOCKSTEP} --json -c ${quote(lab.siteFile)} --known-hosts ${quote(lab.knownHostsPath)} apply --yes --allow-checks ${LAB_ALLOWED_CHECKS}`;
}

/** The figures that need a converged pair (and read a lab in the same state every run). */
const NEEDS_CONVERGED = ['discover-24', 'probe-2', 'validate-2', 'reapply', 'reapply-overhead', 'console'];

/**
 * One apply before any figure, so that every run times the same lab: a converged pair
 * (a fresh lab gets its full install here; a test run may have left it half-configured).
 */
function convergeLab(lab: LabFiles): ConvergeResult {
  process.stderr.write('\nbench: converging the lab (lockstep apply) before timing\n');
  const started = performance.now();
  const run = spawnSync('sh', ['-c', lockstepApply(lab)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 1_800_000 });
  const wallSeconds = (performance.now() - started) / 1000;
  const finished = parseJson<{ type?: string; ok?: boolean; counts?: { changed: number; noop: number; failed: number }; message?: string }>(
    (run.stdout ?? '').trim().split('\n').pop() ?? '',
  );
  const ok = run.status === 0 && finished?.type === 'run-finished' && finished.ok === true;
  return {
    ok,
    wallSeconds,
    ...(finished?.counts && { counts: finished.counts }),
    message: ok ? (finished?.message ?? '') : telling(run.stderr ?? '') || telling(run.stdout ?? '') || `exit ${run.status ?? run.signal}`,
  };
}

/** (4) Re-apply on a converged pair: every step inspects and finds nothing to do. */
const reapplyConverged: Figure = {
  id: 'reapply',
  title: 're-apply, nothing to change',
  note:
    'lockstep apply on the converged lab: validation (every check) then 14 steps inspected, 0 changed. The peer runs ' +
    'bench/ansible/converged.yml: 14 no-change tasks of the same kinds (file content, packages present, services, ' +
    'reads), no fact gathering, no validation; Ansible ControlPersist reuses connections between runs.',
  runs: 5,
  prepare(context) {
    const lab = context.lab;
    if (!lab) return `the lab is not up (${context.labProblem ?? 'unknown'})`;
    const command = lockstepApply(lab);
    // The bench converged the lab before the first figure (convergeLab); the timed runs change nothing.
    if (!context.converge?.ok) return `the lab does not converge: ${context.converge?.message ?? 'no converging apply ran'}`;
    const ansible = hasCommand('ansible-playbook') ? prepareAnsible(context, lab) : 'ansible-playbook is not installed';
    const playbook = join(ROOT, 'bench/ansible/converged.yml');
    const peer: Contender =
      typeof ansible === 'string'
        ? { label: 'ansible-playbook (14 tasks)', command: '', unavailable: ansible }
        : {
            label: 'ansible-playbook (14 tasks)',
            command: `ansible-playbook -i ${quote(ansible.inventory)} -e ${quote(ansible.extra)} ${quote(playbook)}`,
            env: ansible.env,
            verify: (stdout) => {
              const recap = [...stdout.matchAll(/ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/g)];
              if (recap.length !== lab.addresses.length) return 'no play recap for every host';
              return recap.every((m) => m[2] === '0' && m[3] === '0' && m[4] === '0') ? undefined : 'not converged: a task changed or failed';
            },
          };
    if (typeof ansible !== 'string') {
      // The run that converges the playbook's own files (bench/ansible/converged.yml).
      spawnSync('sh', ['-c', peer.command], { cwd: ROOT, env: { ...process.env, ...ansible.env }, stdio: 'ignore', timeout: 600_000 });
    }
    return {
      lockstep: {
        label: 'lockstep apply',
        command,
        verify: (stdout) => {
          const finished = parseJson<{ type?: string; ok?: boolean; counts?: { changed: number } }>(stdout.trim().split('\n').pop() ?? '');
          if (finished?.type !== 'run-finished' || !finished.ok) return 'no successful run-finished event';
          return finished.counts?.changed === 0 ? undefined : `not converged: ${finished.counts?.changed} steps changed`;
        },
      },
      peers: [peer],
    };
  },
};

/** (5) Where the time of a converged re-apply goes: remote commands vs Lockstep itself (one instrumented run). */
const reapplyOverhead: SampledFigure = {
  kind: 'sampled',
  id: 'reapply-overhead',
  rows: ['reapply-overhead'],
  async sample(context) {
    const base = {
      id: 'reapply-overhead',
      title: 're-apply: Lockstep overhead',
      note:
        'three instrumented converged re-applies (bench/remote-time.mjs): wall time vs the time at least one remote command or ' +
        'SFTP call ran; the rest (start-up, connecting, checks logic, planning, journal) is Lockstep\'s own overhead.',
    };
    const lab = context.lab;
    if (!lab) return [{ ...base, unavailable: `the lab is not up (${context.labProblem ?? 'unknown'})`, lockstep: { label: 'lockstep', command: '' }, peers: [] }];
    process.stderr.write(`\n▶ ${base.title}: 3 instrumented runs\n`);
    try {
      const runs = [0, 1, 2].map((run) => timedApply(lab.siteFile, lab.knownHostsPath, context.scratch, `reapply-${run}`));
      const share = runs.map((run) => ((run.wall - run.busy) / run.wall) * 100);
      return [
        {
          ...base,
          lockstep: {
            label: 'lockstep apply',
            command: 'lockstep apply (instrumented)',
            measurement: stats(runs.map((run) => run.wall)),
            detail: `overhead ${stats(share).mean.toFixed(0)} %${topPhases(runs.at(-1)?.overheadByPhase ?? {})} (last run)`,
          },
          peers: [{ label: 'remote busy (same runs)', command: 'exec channels + SFTP calls', measurement: stats(runs.map((run) => run.busy)) }],
          runs,
        },
      ];
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return [{ ...base, unavailable: why, lockstep: { label: 'lockstep', command: '', unavailable: why }, peers: [] }];
    }
  },
};

const consoleFigure: SampledFigure = {
  kind: 'sampled',
  id: 'console',
  rows: ['watch-cpu', 'watch-cpu-server', 'fault-alert'],
  async sample(context) {
    return [...(await watchCpu(context, WATCH_WINDOW_S)), await faultAlert(context, 3)];
  },
};

const ui: SampledFigure = {
  kind: 'sampled',
  id: 'ui',
  rows: ['ui-paint', 'ui-heap', 'ui-rss', 'ui-private'],
  sample: (context) => uiFigures(context, 5),
};

const install: SampledFigure = {
  kind: 'sampled',
  id: 'full-install',
  rows: ['full-install'],
  async sample(context) {
    return [await fullInstall(context)];
  },
};

/** The figures, in table order. The full install comes last: it rebuilds the lab (only with --full-install). */
const FIGURES: readonly (Figure | SampledFigure)[] = [discoverSubnet, probePair, validatePair, reapplyConverged, reapplyOverhead, consoleFigure, ui, install];

// ───────────────────────────── machinery ─────────────────────────────

function ansibleInventory(lab: LabFiles): string {
  const hosts = lab.addresses.map((address, index) => `lab${index + 1} ansible_host=${address}`);
  return [
    '[lab]',
    ...hosts,
    '',
    '[lab:vars]',
    'ansible_user=root',
    `ansible_ssh_private_key_file=${lab.identityFile}`,
    `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes'`,
    'ansible_python_interpreter=/usr/bin/python3',
    '',
  ].join('\n');
}

/** A peer contender, or "not available" when its tool is not installed. */
function peerTool(tool: string, contender: Contender): Contender {
  return hasCommand(tool) ? contender : { ...contender, unavailable: `${tool} is not installed` };
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${quote(name)}`], { stdio: 'ignore' }).status === 0;
}

/** Runs a command once, as hyperfine will, and says why it is not fit to be timed (or nothing). */
function checkOnce(contender: Contender): string | undefined {
  if (contender.unavailable) return contender.unavailable;
  const result = spawnSync('sh', ['-c', contender.command], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, ...contender.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) return result.error.message;
  if (result.status !== 0 && !(result.status !== null && contender.okCodes?.includes(result.status))) {
    const said = telling(result.stderr) || telling(result.stdout);
    return `exit ${result.status ?? result.signal}${said ? `: ${said}` : ''}`;
  }
  return contender.verify?.(result.stdout);
}

/** The line of a command's output that says what went wrong (else its last line). */
function telling(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const line = lines.find((candidate) => /error|unreachable|failed|refused|denied|not found/i.test(candidate)) ?? lines.at(-1);
  return (line ?? '').slice(0, 160);
}

/**
 * Times one contender with hyperfine (one invocation per contender, so that a command
 * that starts failing half-way costs only its own cell). The environment a command
 * needs travels with it through `env`, as hyperfine has one environment for all.
 */
function measure(figure: Figure, contender: Contender, scratch: string): Measurement | string {
  const exportFile = join(scratch, `${figure.id}-${contender.label.replace(/[^A-Za-z0-9]+/g, '-')}.json`);
  const env = Object.entries(contender.env ?? {}).map(([key, value]) => `${key}=${quote(value)}`);
  const command = env.length > 0 ? `env ${env.join(' ')} sh -c ${quote(contender.command)}` : contender.command;
  const args = ['--runs', String(figure.runs), '--warmup', '1', '--style', 'basic', '--export-json', exportFile];
  // An accepted non-zero exit (validate's "a check failed") was checked once above; hyperfine must not stop on it.
  if (contender.okCodes?.length) args.push('--ignore-failure');
  process.stderr.write(`\n▶ ${figure.title}: ${contender.label}\n`);
  const run = spawnSync('hyperfine', [...args, '-n', contender.label, command], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  process.stderr.write(run.stderr ?? '');
  if (run.status !== 0) return `hyperfine: ${telling(run.stderr ?? '') || `exit ${run.status ?? run.signal}`}`;
  const exported = JSON.parse(readFileSync(exportFile, 'utf8')) as {
    results: { mean: number; stddev: number | null; min: number; max: number; times: number[]; user: number; system: number }[];
  };
  const result = exported.results[0];
  if (!result) return 'hyperfine exported no result';
  return {
    mean: result.mean,
    stddev: result.stddev ?? 0,
    min: result.min,
    max: result.max,
    runs: result.times.length,
    unit: 'time',
    samples: result.times,
    userCpu: result.user,
    systemCpu: result.system,
  };
}

async function runAny(figure: Figure | SampledFigure, context: BenchContext): Promise<FigureResult[]> {
  if (figure.kind === 'sampled') return figure.sample(context);
  return [runFigure(figure, context)];
}

function runFigure(figure: Figure, context: BenchContext): FigureResult {
  const base = { id: figure.id, title: figure.title, note: figure.note };
  const prepared = figure.prepare(context);
  if (typeof prepared === 'string') {
    return { ...base, unavailable: prepared, lockstep: { label: 'lockstep', command: '', unavailable: prepared }, peers: [] };
  }
  const result = (contender: Contender): ContenderResult => {
    const problem = checkOnce(contender);
    const outcome = problem === undefined ? measure(figure, contender, context.scratch) : problem;
    return {
      label: contender.label,
      command: contender.command,
      ...(typeof outcome === 'string' ? { unavailable: outcome } : { measurement: outcome }),
    };
  };
  return { ...base, lockstep: result(prepared.lockstep), peers: prepared.peers.map(result) };
}

/** The lab's files, from `lockstep lab status --json` (LabInfo), or why they are not there. */
function labFiles(): { lab?: LabFiles; problem?: string } {
  const run = spawnSync('sh', ['-c', `${LOCKSTEP} --json lab status`], { cwd: ROOT, encoding: 'utf8' });
  const status = parseJson<{
    state?: string;
    info?: { nodes: { address: string }[]; identityFile: string; knownHostsPath: string; siteFile: string; credentialsFile?: string };
  }>(run.stdout);
  if (!status) return { problem: `lab status gave no JSON (exit ${run.status}): ${telling(run.stderr)}` };
  if (status.state !== 'running' || !status.info) return { problem: `lab is ${status.state ?? 'unknown'}` };
  const info = status.info;
  return {
    lab: {
      addresses: info.nodes.map((node) => node.address),
      identityFile: info.identityFile,
      knownHostsPath: info.knownHostsPath,
      siteFile: info.siteFile,
      labDir: dirname(info.credentialsFile ?? info.siteFile),
    },
  };
}

// ───────────────────────────── report ─────────────────────────────

function ms(seconds: number): string {
  const value = seconds * 1000;
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

/** A value in the measurement's unit: seconds as ms or s, CPU s/min, MiB, %. */
function value(amount: number, measurement: Measurement): string {
  switch (measurement.unit ?? 'time') {
    case 'time':
      return amount >= 10 ? `${amount.toFixed(1)} s` : ms(amount);
    case 'cpu-per-minute':
      return `${amount.toFixed(2)} CPU s/min`;
    case 'mib':
      return `${amount.toFixed(1)} MiB`;
    case 'percent':
      return `${amount.toFixed(1)} %`;
  }
}

function spreadText(measurement: Measurement | undefined): string {
  if (!measurement) return '';
  if (measurement.runs < 2) return `n=1`;
  const unitless = (amount: number): string => value(amount, measurement);
  return `±${unitless(measurement.stddev)} (${unitless(measurement.min)}–${unitless(measurement.max)}, n=${measurement.runs})`;
}

function cell(result: ContenderResult): string {
  const measured = result.measurement;
  if (!measured) return `not available: ${result.unavailable ?? 'unknown'}`;
  return `${value(measured.mean, measured)}${result.detail ? ` (${result.detail})` : ''}`;
}

/** Rows of the one table: a row per peer; ratio = Lockstep ÷ peer (below 1: Lockstep is faster). */
export function tableRows(figures: readonly FigureResult[]): string[][] {
  const rows: string[][] = [];
  for (const figure of figures) {
    const mine = figure.lockstep.measurement;
    const lockstepCell = cell(figure.lockstep);
    if (figure.unavailable || figure.peers.length === 0) {
      rows.push([figure.title, figure.unavailable ? `not available: ${figure.unavailable}` : lockstepCell, '', '', spreadText(mine)]);
      continue;
    }
    figure.peers.forEach((peer, index) => {
      const theirs = peer.measurement;
      const peerCell = `${peer.label}: ${cell(peer)}`;
      const ratio = mine && theirs ? `${(mine.mean / theirs.mean).toFixed(2)}` : '';
      const spread = [index === 0 ? spreadText(mine) : '', theirs ? `peer ${spreadText(theirs)}` : '']
        .filter(Boolean)
        .join('; ');
      rows.push([index === 0 ? figure.title : '', index === 0 ? lockstepCell : '', peerCell, ratio, spread]);
    });
  }
  return rows;
}

function renderTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' │ ').trimEnd();
  return [line(header), widths.map((width) => '─'.repeat(width)).join('─┼─'), ...rows.map(line)].join('\n');
}

function toolVersion(commandLine: string): string | undefined {
  const run = spawnSync('sh', ['-c', commandLine], { encoding: 'utf8' });
  const text = `${run.stdout}${run.stderr}`.trim().split('\n')[0];
  return run.status === 0 && text ? text : undefined;
}

/** The commit the figures were measured at, and whether the tree had uncommitted changes. */
function gitState(): { commit?: string; dirty?: boolean; changedFiles?: string[] } {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return {};
  const status = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
  const changed = (status.stdout ?? '').split('\n').filter(Boolean).map((line) => line.slice(3));
  return { commit: head.stdout.trim(), dirty: changed.length > 0, changedFiles: changed };
}

function load(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fullInstall = args.includes('--full-install');
  // Naming --full-install alone runs every figure plus the install; with ids, only those.
  const only = args.filter((arg) => !arg.startsWith('--'));
  const scratch = mkdtempSync(join(tmpdir(), 'lockstep-bench-'));
  const started = new Date();
  const loadAtStart = load();
  const { lab, problem } = labFiles();
  const releaseLab = lab ? holdLab(lab.labDir) : undefined;
  try {
    const selected = FIGURES.filter((figure) => {
      const ids = figure.kind === 'sampled' ? [figure.id, ...figure.rows] : [figure.id];
      return only.length === 0 || ids.some((id) => only.includes(id));
    });
    const needsConverged = selected.some((figure) => NEEDS_CONVERGED.includes(figure.id));
    let converge: ConvergeResult | undefined;
    if (lab && needsConverged) converge = convergeLab(lab);
    const context: BenchContext = {
      scratch,
      fullInstall,
      ...(lab && { lab }),
      ...(problem && { labProblem: problem }),
      ...(converge && { converge }),
    };
    const figures: FigureResult[] = [];
    for (const figure of selected) figures.push(...(await runAny(figure, context)));
    const ended = new Date();

    const report = {
      /** Bumped when a field changes meaning; 2 added run, git, lab, samples and CPU. */
      schema: 2,
      date: started.toISOString(),
      run: {
        args,
        figures: selected.map((figure) => figure.id),
        endedAt: ended.toISOString(),
        durationSeconds: Math.round((ended.getTime() - started.getTime()) / 1000),
        ...gitState(),
      },
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        kernel: release(),
        node: process.version,
        /** Other work on the machine makes the numbers noisier: the 1, 5, 15-minute load when the run ended. */
        loadAverage: load(),
        loadAverageAtStart: loadAtStart,
      },
      lab: {
        ...(lab ? { addresses: lab.addresses, siteFile: lab.siteFile } : { problem }),
        /** The apply before the figures (a full install on a fresh lab, 0 changed on a converged one). */
        ...(converge && { converge }),
      },
      versions: {
        lockstep: toolVersion(`${LOCKSTEP} --version`),
        nmap: toolVersion('nmap --version'),
        ansible: toolVersion('ansible --version'),
        hyperfine: toolVersion('hyperfine --version'),
        openssh: toolVersion('ssh -V'),
        chromium: toolVersion('/usr/bin/chromium --version 2>/dev/null'),
      },
      figures,
    };
    mkdirSync(RESULTS, { recursive: true });
    const latest = join(RESULTS, 'latest.json');
    writeFileSync(latest, `${JSON.stringify(report, null, 2)}\n`);
    copyFileSync(latest, join(RESULTS, `${started.toISOString().replace(/[:.]/g, '-')}.json`));

    process.stdout.write('\n');
    process.stdout.write(`${renderTable(['figure', 'Lockstep', 'peer', 'ratio', 'spread (±stddev, min–max)'], tableRows(figures))}\n`);
    process.stdout.write('\nratio = Lockstep mean ÷ peer mean: below 1.00 Lockstep is faster.\n');
    for (const figure of figures) process.stdout.write(`  ${figure.title}: ${figure.note}\n`);
    process.stdout.write(
      `\n${report.machine.cpus} cores, load ${report.machine.loadAverageAtStart.join(' ')} at start, ` +
        `${report.machine.loadAverage.join(' ')} at the end, ${report.machine.kernel}, ` +
        `node ${report.machine.node}; results in ${latest}\n`,
    );
  } finally {
    releaseLab?.();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
