import { LockstepError } from '../../api/errors';
import type { ResolvedSite } from '../../api/site';
import type { Change, Decision, PairStep, PairStepContext } from '../../engine/types';
import type { Transport } from '../../ssh/types';
import { command, sh } from '../../util/shell';
import type { RecipeOptions } from '../options';
import { QNETD_PACKAGE } from '../package-sets';
import { applyBundle, inspectBundle, installCommands, loadManifest } from '../packages';
import { parseDpkgQuery } from '../parse/dpkg';
import { notVerified, read, run, type RunTarget } from '../support/run';

/**
 * The quorum witness: corosync-qnetd on a third host reached over SSH, and the TLS
 * certificates corosync-qdevice on each node needs (the witness's CA signs the
 * cluster's certificate; node a requests it, node b imports a's PKCS#12). The witness
 * installs from the same place as the nodes (the offline bundle, uploaded to it, or its
 * mirror). Files cross hosts over SFTP, never through a command line.
 */

const QNETD_UNIT = 'corosync-qnetd';
const QNETD_DB = '/etc/corosync/qnetd/nssdb';
const QNETD_CA = `${QNETD_DB}/qnetd-cacert.crt`;
const QDEVICE_DB = '/etc/corosync/qdevice/net/nssdb';
const NODE_CRQ = `${QDEVICE_DB}/qdevice-net-node.crq`;
const NODE_P12 = `${QDEVICE_DB}/qdevice-net-node.p12`;
/** Nicknames corosync-qnetd-certutil and corosync-qdevice-net-certutil give the certificates. */
const CA_NICKNAME = 'QNet CA';
const CLUSTER_NICKNAME = 'Cluster Cert';
/** Where certificate files travel between hosts (created 0700, removed afterwards). */
const EXCHANGE_DIR = '/var/lib/lockstep/qdevice-exchange';
/** The TCP port corosync-qnetd listens on (corosync.conf's default). */
export const QNETD_PORT = 5403;

export function clusterCertPath(cluster: string): string {
  return `${QNETD_DB}/cluster-${cluster}.crt`;
}

/** What the witness host holds. */
export interface WitnessHostFacts {
  /** Debian codename (`bookworm`). */
  readonly release: string;
  /** `dpkg --print-architecture` (`amd64`). */
  readonly architecture: string;
  readonly qnetdInstalled: boolean;
  readonly qnetdEnabled: boolean;
  readonly qnetdActive: boolean;
  /** The witness CA in PEM (null: no CA yet). */
  readonly caPem: string | null;
  /** The cluster's certificate was signed here. */
  readonly clusterCert: boolean;
}

/** What a node's qdevice certificate database holds. */
export interface NodeCertFacts {
  /** The CA the node trusts, in PEM (null: no database, or no CA in it). */
  readonly caPem: string | null;
  /** Subject of the node's cluster certificate (`CN=lab`), null when it has none. */
  readonly clusterSubject: string | null;
}

/** The sections of a facts script's output (`@@ name` lines start each). */
export function parseSections(stdout: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = (): void => {
    if (current !== undefined) sections.set(current, lines.join('\n').trim());
  };
  for (const line of stdout.split('\n')) {
    const header = /^@@ (\S+)$/.exec(line);
    if (header?.[1]) {
      flush();
      current = header[1];
      lines = [];
    } else lines.push(line);
  }
  flush();
  return sections;
}

/** The script that reads the witness host (read-only; certutil needs root for the database). */
export function witnessFactsCommand(cluster: string): string {
  return [
    `printf '@@ release\\n'; (. /etc/os-release && echo "$VERSION_CODENAME")`,
    `printf '@@ arch\\n'; dpkg --print-architecture`,
    `printf '@@ dpkg\\n'; ${command('dpkg-query', '-W', '-f=${Package}\t${db:Status-Abbrev}\t${Version}\n', '--', QNETD_PACKAGE)} 2>/dev/null`,
    `printf '@@ unit\\n'; printf '%s %s\\n' "$(systemctl is-enabled ${QNETD_UNIT} 2>/dev/null)" "$(systemctl is-active ${QNETD_UNIT} 2>/dev/null)"`,
    `printf '@@ ca\\n'; ${command('certutil', '-L', '-d', QNETD_DB, '-n', CA_NICKNAME, '-a')} 2>/dev/null`,
    `printf '@@ cluster-cert\\n'; ${sh`test -f ${clusterCertPath(cluster)}`} && echo present`,
    'true',
  ].join('; ');
}

/** Parses `witnessFactsCommand`'s output. */
export function parseWitnessFacts(stdout: string): WitnessHostFacts {
  const sections = parseSections(stdout);
  const [enabled = '', active = ''] = (sections.get('unit') ?? '').split(' ');
  return {
    release: sections.get('release') ?? '',
    architecture: sections.get('arch') ?? '',
    qnetdInstalled: parseDpkgQuery(sections.get('dpkg') ?? '').get(QNETD_PACKAGE)?.installed ?? false,
    qnetdEnabled: enabled === 'enabled',
    qnetdActive: active === 'active',
    caPem: pemOrNull(sections.get('ca')),
    clusterCert: sections.get('cluster-cert') === 'present',
  };
}

/** The script that reads a node's qdevice certificate database. */
export function nodeCertFactsCommand(): string {
  return [
    `printf '@@ ca\\n'; ${command('certutil', '-L', '-d', QDEVICE_DB, '-n', CA_NICKNAME, '-a')} 2>/dev/null`,
    `printf '@@ cluster\\n'; ${command('certutil', '-L', '-d', QDEVICE_DB, '-n', CLUSTER_NICKNAME)} 2>/dev/null | sed -n 's/^ *Subject: *//p'`,
    'true',
  ].join('; ');
}

/** Parses `nodeCertFactsCommand`'s output. */
export function parseNodeCertFacts(stdout: string): NodeCertFacts {
  const sections = parseSections(stdout);
  const subject =
    (sections.get('cluster') ?? '')
      .split('\n')[0]
      ?.trim()
      .replace(/^"(.*)"$/, '$1') ?? '';
  return { caPem: pemOrNull(sections.get('ca')), clusterSubject: subject === '' ? null : subject };
}

function pemOrNull(text: string | undefined): string | null {
  const match = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text ?? '');
  return match ? match[0] : null;
}

/** Whether two PEM certificates are the same certificate (line breaks aside). */
export function samePem(left: string | null, right: string | null): boolean {
  if (left === null || right === null) return false;
  const body = (pem: string): string => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return body(left) === body(right);
}

/** Everything the witness step decides from. */
export interface WitnessState {
  readonly witness: WitnessHostFacts;
  /** Where the witness installs from: the site's source. */
  readonly source: 'bundle' | 'mirror';
  /** What the offline bundle needs on the witness (null: not needed, a mirror site or qnetd is installed). */
  readonly bundle: Decision | null;
  readonly nodes: readonly [NodeCertFacts, NodeCertFacts];
}

/** Whether both nodes hold a certificate of this cluster signed by the witness's current CA. */
export function nodesCertified(cluster: string, state: Pick<WitnessState, 'witness' | 'nodes'>): boolean {
  return (
    state.witness.clusterCert &&
    state.nodes.every(
      (node) => samePem(node.caPem, state.witness.caPem) && node.clusterSubject === `CN=${cluster}`,
    )
  );
}

/** Decides the witness step (pure). */
export function decideWitness(cluster: string, state: WitnessState): Decision {
  const changes: Change[] = [];
  if (state.bundle?.kind === 'change')
    changes.push(
      ...state.bundle.changes.map((change) => ({ ...change, summary: `witness: ${change.summary}` })),
    );
  const { witness } = state;
  if (!witness.qnetdInstalled)
    changes.push({
      summary: `install ${QNETD_PACKAGE} on the witness`,
      commands: installCommands([QNETD_PACKAGE], state.source),
    });
  else if (witness.caPem === null)
    changes.push({ summary: 'create the witness CA', commands: ['corosync-qnetd-certutil -i -G'] });
  if (!nodesCertified(cluster, state)) {
    changes.push({
      summary: `issue the certificate of cluster ${cluster} and import it on both nodes`,
      commands: [
        command('corosync-qdevice-net-certutil', '-i', '-c', `${EXCHANGE_DIR}/qnetd-cacert.crt`),
        command('corosync-qdevice-net-certutil', '-r', '-n', cluster),
        command('corosync-qnetd-certutil', '-s', '-c', `${EXCHANGE_DIR}/qdevice-net-node.crq`, '-n', cluster),
        command('corosync-qdevice-net-certutil', '-M', '-c', `${EXCHANGE_DIR}/cluster-${cluster}.crt`),
        command('corosync-qdevice-net-certutil', '-m', '-c', `${EXCHANGE_DIR}/qdevice-net-node.p12`),
      ],
    });
  }
  if (!witness.qnetdEnabled || !witness.qnetdActive)
    changes.push({
      summary: `enable and start ${QNETD_UNIT} on the witness`,
      commands: [command('systemctl', 'enable', '--now', QNETD_UNIT)],
    });
  if (changes.length === 0)
    return {
      kind: 'noop',
      reason: `the witness runs ${QNETD_UNIT} and both nodes hold cluster ${cluster}'s certificate from its CA`,
    };
  return { kind: 'change', changes };
}

function target(transport: Transport, signal: AbortSignal, log: (line: string) => void): RunTarget {
  return { transport, label: transport.label, signal, log };
}

function bundleDir(site: ResolvedSite): string | null {
  return site.packages.source === 'bundle' ? site.packages.bundle : null;
}

async function readWitnessHost(witness: RunTarget, cluster: string): Promise<WitnessHostFacts> {
  return parseWitnessFacts((await read(witness, witnessFactsCommand(cluster))).stdout);
}

async function readState(context: PairStepContext, witness: RunTarget): Promise<WitnessState> {
  const cluster = context.site.name;
  const dir = bundleDir(context.site);
  const host = await readWitnessHost(witness, cluster);
  // The bundle serves the install only: a witness that has qnetd needs none (nor to match it).
  const needsBundle = dir !== null && !host.qnetdInstalled;
  if (needsBundle) await assertBundleFits(witness, dir, host);
  const bundle = needsBundle ? await inspectBundle(witness, dir, context.pair.pairName) : null;
  const [a, b] = await Promise.all(
    context.nodes.map(async (node) => parseNodeCertFacts((await read(node, nodeCertFactsCommand())).stdout)),
  );
  return {
    witness: host,
    source: dir === null ? 'mirror' : 'bundle',
    bundle,
    nodes: [a ?? noCerts, b ?? noCerts],
  };
}

const noCerts: NodeCertFacts = { caPem: null, clusterSubject: null };

async function copy(from: RunTarget, path: string, to: RunTarget, dest: string): Promise<void> {
  const data = Buffer.from(
    (await run(from, sh`base64 -w0 -- ${path}`, { quiet: true })).stdout.trim(),
    'base64',
  );
  await to.transport.upload(data, dest, { mode: 0o600, sudo: true });
}

/** The CA, a request signed by it, and the PKCS#12 both nodes import: corosync-qdevice-net-certutil's procedure. */
async function certifyNodes(
  cluster: string,
  witness: RunTarget,
  a: RunTarget,
  b: RunTarget,
  fix: string,
): Promise<void> {
  const exchange = sh`rm -rf -- ${EXCHANGE_DIR} && mkdir -p -m 0700 -- ${EXCHANGE_DIR}`;
  await Promise.all([a, b, witness].map((host) => run(host, exchange, { quiet: true })));
  for (const node of [a, b]) {
    await copy(witness, QNETD_CA, node, `${EXCHANGE_DIR}/qnetd-cacert.crt`);
    await run(
      node,
      sh`rm -rf -- ${QDEVICE_DB} && corosync-qdevice-net-certutil -i -c ${`${EXCHANGE_DIR}/qnetd-cacert.crt`}`,
      { fix },
    );
  }
  await run(a, command('corosync-qdevice-net-certutil', '-r', '-n', cluster), { fix });
  await copy(a, NODE_CRQ, witness, `${EXCHANGE_DIR}/qdevice-net-node.crq`);
  await run(
    witness,
    sh`rm -f -- ${clusterCertPath(cluster)} && corosync-qnetd-certutil -s -c ${`${EXCHANGE_DIR}/qdevice-net-node.crq`} -n ${cluster}`,
    { fix },
  );
  await copy(witness, clusterCertPath(cluster), a, `${EXCHANGE_DIR}/cluster-${cluster}.crt`);
  await run(a, sh`corosync-qdevice-net-certutil -M -c ${`${EXCHANGE_DIR}/cluster-${cluster}.crt`}`, { fix });
  await copy(a, NODE_P12, b, `${EXCHANGE_DIR}/qdevice-net-node.p12`);
  await run(b, sh`corosync-qdevice-net-certutil -m -c ${`${EXCHANGE_DIR}/qdevice-net-node.p12`}`, { fix });
  await Promise.all([a, b, witness].map((host) => run(host, sh`rm -rf -- ${EXCHANGE_DIR}`, { quiet: true })));
  // A running qdevice read the old database at start: it must present the new certificate.
  await Promise.all([a, b].map((node) => run(node, 'systemctl try-restart corosync-qdevice')));
}

/** The bundle must match the witness's release and architecture, as it must the nodes'. */
async function assertBundleFits(witness: RunTarget, dir: string, host: WitnessHostFacts): Promise<void> {
  const manifest = await loadManifest(dir);
  if (host.architecture && manifest.architecture && host.architecture !== manifest.architecture) {
    throw new LockstepError({
      code: 'config',
      field: 'quorum.witness.address',
      host: witness.label,
      message: `The offline bundle holds ${manifest.architecture} packages but the witness ${witness.label} is ${host.architecture}.`,
      remedy: `Use an ${manifest.architecture} witness, or install ${QNETD_PACKAGE} on it yourself before apply.`,
    });
  }
}

/** From each node, the witness's qnetd port: qdevice connects there. */
async function unreachableFromNodes(context: PairStepContext, address: string): Promise<string[]> {
  const probe = command('timeout', '5', 'bash', '-c', `exec 3<>/dev/tcp/${address}/${QNETD_PORT}`);
  const results = await Promise.all(context.nodes.map((node) => read(node, probe, 15_000)));
  return results.flatMap((result, index) =>
    result.code === 0
      ? []
      : [
          `${context.nodes[index]?.label ?? 'a node'} cannot open ${address}:${QNETD_PORT} (${result.code === 124 ? 'no answer within 5 s' : (result.stderr.trim().split('\n').pop() ?? `exit ${result.code}`)})`,
        ],
  );
}

/** `cluster.witness` (pair, quorum: witness). */
export function witnessStep(options: RecipeOptions): PairStep {
  const open = async (context: PairStepContext): Promise<RunTarget> => {
    if (!options.witnessConnection) {
      throw new LockstepError({
        code: 'config',
        field: 'quorum.witness',
        message: 'No connection to the quorum witness was given.',
        remedy: 'Pin the witness host key with `lockstep trust` and run apply again.',
      });
    }
    return target(await options.witnessConnection(context.signal), context.signal, context.log);
  };
  const fix = `Read the output above; \`corosync-qnetd-certutil\` and \`corosync-qdevice-net-certutil\` keep their databases in ${QNETD_DB} (witness) and ${QDEVICE_DB} (nodes). Apply again to reissue the certificates.`;
  return {
    id: 'cluster.witness',
    title: 'Quorum witness (corosync-qnetd)',
    group: 'cluster',
    scope: 'pair',
    applicable: (site) => site.quorum !== 'two_node',
    async inspect(context) {
      const witness = await open(context);
      try {
        const state = await readState(context, witness);
        return decideWitness(context.site.name, state);
      } finally {
        await witness.transport.close();
      }
    },
    async apply(context) {
      const witness = await open(context);
      const [a, b] = context.nodes;
      const cluster = context.site.name;
      const dir = bundleDir(context.site);
      try {
        const state = await readState(context, witness);
        if (dir !== null && state.bundle?.kind === 'change')
          await applyBundle(witness, dir, context.pair.pairName);
        if (!state.witness.qnetdInstalled) {
          await run(witness, 'DEBIAN_FRONTEND=noninteractive dpkg --configure -a', {
            timeoutMs: 20 * 60_000,
          });
          for (const line of installCommands([QNETD_PACKAGE], dir === null ? 'mirror' : 'bundle'))
            await run(witness, line, {
              timeoutMs: 20 * 60_000,
              fix:
                dir === null
                  ? 'Check that the witness reaches its Debian mirror (`apt-get update`), then run apply again.'
                  : `The offline bundle lacks ${QNETD_PACKAGE} or a dependency the witness needs: rebuild it with \`lockstep bundle build\`.`,
            });
        }
        // The package creates its CA on install; a witness whose database was removed gets a new one.
        let host = await readWitnessHost(witness, cluster);
        if (host.caPem === null) {
          await run(witness, 'corosync-qnetd-certutil -i -G', { fix });
          await run(witness, command('systemctl', 'try-restart', QNETD_UNIT));
          host = await readWitnessHost(witness, cluster);
        }
        if (!nodesCertified(cluster, { witness: host, nodes: state.nodes })) {
          await certifyNodes(cluster, witness, a, b, fix);
        }
        if (!host.qnetdEnabled || !host.qnetdActive)
          await run(witness, command('systemctl', 'enable', '--now', QNETD_UNIT), {
            fix: `Read \`journalctl -u ${QNETD_UNIT} -n 50\` on the witness.`,
          });
      } finally {
        await witness.transport.close();
      }
    },
    async verify(context) {
      const witness = await open(context);
      try {
        const decision = decideWitness(context.site.name, await readState(context, witness));
        if (decision.kind === 'change')
          throw notVerified(
            witness.label,
            `the witness is not ready: ${decision.changes.map((change) => change.summary).join('; ')}.`,
            'Run apply again; `corosync-qnetd-tool -l` on the witness lists the clusters it serves.',
          );
        const address = context.site.quorum === 'two_node' ? '' : context.site.quorum.witness.address;
        const blocked = await unreachableFromNodes(context, address);
        if (blocked.length > 0)
          throw notVerified(
            witness.label,
            `${blocked.join('; ')}.`,
            `Let the nodes reach TCP port ${QNETD_PORT} on the witness (a firewall between them is the usual cause).`,
          );
      } finally {
        await witness.transport.close();
      }
    },
  };
}
