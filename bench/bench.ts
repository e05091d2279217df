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
import { join } from 'node:path';
import { quote } from '../provisioning/util/shell';

const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench/results');
const LOCKSTEP = `${quote(process.execPath)} ${quote(join(ROOT, 'bin/lockstep.mjs'))}`;
const LAB_SUBNET = '10.211.0.0/24';

/** One command to time, and how to tell that its single check run did the job. */
interface Contender {
  readonly label: string;
  readonly command: string;
  /** Returns a reason when the output shows the command did not do the job. */
  readonly verify?: (stdout: string) => string | undefined;
  /** Set instead of `command` when the contender cannot run at all. */
  readonly unavailable?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** What hyperfine measured for one command (seconds). */
interface Measurement {
  readonly mean: number;
  readonly stddev: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

interface ContenderResult {
  readonly label: string;
  readonly command: string;
  readonly measurement?: Measurement;
  readonly unavailable?: string;
}

/** One figure of the table: Lockstep and one or more peers doing the same job. */
interface FigureResult {
  readonly id: string;
  readonly title: string;
  readonly note: string;
  readonly lockstep: ContenderResult;
  readonly peers: readonly ContenderResult[];
  /** Set when the figure as a whole could not run (e.g. the lab is down). */
  readonly unavailable?: string;
}

interface Figure {
  readonly id: string;
  readonly title: string;
  readonly note: string;
  readonly runs: number;
  /** The contenders, or the reason the figure cannot run here. */
  prepare(context: BenchContext): { lockstep: Contender; peers: Contender[] } | string;
}

/** What every figure may use: the lab's files and a scratch directory. */
interface BenchContext {
  readonly lab?: LabFiles;
  readonly labProblem?: string;
  readonly scratch: string;
}

interface LabFiles {
  readonly addresses: readonly string[];
  readonly identityFile: string;
  readonly knownHostsPath: string;
  readonly siteFile: string;
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
    const sshArgs = [
      '-i', lab.identityFile,
      '-o', `UserKnownHostsFile=${lab.knownHostsPath}`,
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes',
      '-o', 'ControlMaster=no',
    ].map(quote).join(' ');
    const [first = '', second = ''] = lab.addresses;
    return {
      lockstep: {
        label: 'lockstep probe',
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
      },
      peers: [
        peerTool('ansible', {
          label: 'ansible -m setup',
          command: `ansible all -i ${quote(inventory)} -m setup`,
          env: {
            ANSIBLE_HOST_KEY_CHECKING: 'True',
            ANSIBLE_HOME: join(context.scratch, 'ansible-home'),
            ANSIBLE_LOCAL_TEMP: join(context.scratch, 'ansible-tmp'),
            ANSIBLE_NOCOLOR: '1',
          },
          verify: (stdout) => ((stdout.match(/SUCCESS/g) ?? []).length === lab.addresses.length ? undefined : 'not every host SUCCESS'),
        }),
        peerTool('ssh', {
          label: 'ssh true ×2 (floor)',
          command: `ssh ${sshArgs} root@${first} true & p=$!; ssh ${sshArgs} root@${second} true && wait $p`,
        }),
      ],
    };
  },
};

/** The figures, in table order. Later: validate, re-apply vs an Ansible playbook, UI first paint. */
const FIGURES: readonly Figure[] = [discoverSubnet, probePair];

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

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
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
  if (result.status !== 0) {
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
  process.stderr.write(`\n▶ ${figure.title}: ${contender.label}\n`);
  const run = spawnSync('hyperfine', [...args, '-n', contender.label, command], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  process.stderr.write(run.stderr ?? '');
  if (run.status !== 0) return `hyperfine: ${telling(run.stderr ?? '') || `exit ${run.status ?? run.signal}`}`;
  const exported = JSON.parse(readFileSync(exportFile, 'utf8')) as {
    results: { mean: number; stddev: number | null; min: number; max: number; times: number[] }[];
  };
  const result = exported.results[0];
  if (!result) return 'hyperfine exported no result';
  return { mean: result.mean, stddev: result.stddev ?? 0, min: result.min, max: result.max, runs: result.times.length };
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
    info?: { nodes: { address: string }[]; identityFile: string; knownHostsPath: string; siteFile: string };
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
    },
  };
}

// ───────────────────────────── report ─────────────────────────────

function ms(seconds: number): string {
  const value = seconds * 1000;
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

function spreadText(measurement: Measurement | undefined): string {
  if (!measurement) return '';
  return `±${ms(measurement.stddev)} (${ms(measurement.min)}–${ms(measurement.max)})`;
}

/** Rows of the one table: a row per peer; ratio = Lockstep ÷ peer (below 1: Lockstep is faster). */
export function tableRows(figures: readonly FigureResult[]): string[][] {
  const rows: string[][] = [];
  for (const figure of figures) {
    const mine = figure.lockstep.measurement;
    const lockstepCell = mine ? ms(mine.mean) : `not available: ${figure.lockstep.unavailable ?? 'unknown'}`;
    if (figure.unavailable || figure.peers.length === 0) {
      rows.push([figure.title, figure.unavailable ? `not available: ${figure.unavailable}` : lockstepCell, '', '', spreadText(mine)]);
      continue;
    }
    figure.peers.forEach((peer, index) => {
      const theirs = peer.measurement;
      const peerCell = theirs ? `${peer.label}: ${ms(theirs.mean)}` : `${peer.label}: not available: ${peer.unavailable ?? 'unknown'}`;
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

function main(): void {
  const only = process.argv.slice(2);
  const scratch = mkdtempSync(join(tmpdir(), 'lockstep-bench-'));
  const started = new Date();
  try {
    const { lab, problem } = labFiles();
    const context: BenchContext = { scratch, ...(lab && { lab }), ...(problem && { labProblem: problem }) };
    const figures = FIGURES.filter((figure) => only.length === 0 || only.includes(figure.id)).map((figure) =>
      runFigure(figure, context),
    );

    const report = {
      date: started.toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        kernel: release(),
        node: process.version,
        /** Other work on the machine makes the numbers noisier: the 1, 5, 15-minute load when the run ended. */
        loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
      },
      versions: {
        lockstep: toolVersion(`${LOCKSTEP} --version`),
        nmap: toolVersion('nmap --version'),
        ansible: toolVersion('ansible --version'),
        hyperfine: toolVersion('hyperfine --version'),
        openssh: toolVersion('ssh -V'),
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
      `\n${report.machine.cpus} cores, load ${report.machine.loadAverage.join(' ')}, ${report.machine.kernel}, ` +
        `node ${report.machine.node}; results in ${latest}\n`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
