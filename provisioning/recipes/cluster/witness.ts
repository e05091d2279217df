import { LockstepError } from '../../api/errors';
import type { PairStep, PairStepContext } from '../../engine/types';
import type { Transport } from '../../ssh/types';
import { command, sh } from '../../util/shell';
import type { RecipeOptions } from '../options';
import { QNETD_PACKAGE } from '../package-sets';
import { parseDpkgQuery, dpkgQueryCommand } from '../parse/dpkg';
import { notVerified, read, run, type RunTarget } from '../support/run';

/**
 * The quorum witness: corosync-qnetd on a third host reached over SSH, and the TLS
 * certificates corosync-qdevice on each node needs (the qnetd CA signs the cluster's
 * certificate; node a requests it, node b imports a's PKCS#12). Files cross hosts over
 * SFTP, never through a command line.
 */

const QNETD_CA = '/etc/corosync/qnetd/nssdb/qnetd-cacert.crt';
const QDEVICE_DB = '/etc/corosync/qdevice/net/nssdb';
const NODE_CRQ = `${QDEVICE_DB}/qdevice-net-node.crq`;
const NODE_P12 = `${QDEVICE_DB}/qdevice-net-node.p12`;

export function clusterCertPath(cluster: string): string {
  return `/etc/corosync/qnetd/nssdb/cluster-${cluster}.crt`;
}

interface WitnessFacts {
  readonly qnetdInstalled: boolean;
  readonly qnetdActive: boolean;
  readonly caExists: boolean;
  readonly clusterCert: boolean;
  readonly nodeDb: readonly [boolean, boolean];
}

export function decideWitness(
  cluster: string,
  facts: WitnessFacts,
): { kind: 'noop'; reason: string } | { kind: 'change'; changes: { summary: string; commands: string[] }[] } {
  const changes = [];
  if (!facts.qnetdInstalled)
    changes.push({
      summary: `install ${QNETD_PACKAGE} on the witness`,
      commands: [
        `DEBIAN_FRONTEND=noninteractive ${command('apt-get', '-y', '--no-install-recommends', 'install', QNETD_PACKAGE)}`,
      ],
    });
  if (!facts.caExists)
    changes.push({ summary: 'create the witness CA', commands: ['corosync-qnetd-certutil -i'] });
  if (!facts.clusterCert || !facts.nodeDb[0] || !facts.nodeDb[1]) {
    changes.push({
      summary: `issue the certificate of cluster ${cluster} and import it on both nodes`,
      commands: [
        command('corosync-qdevice-net-certutil', '-i', '-c', '/root/qnetd-cacert.crt'),
        command('corosync-qdevice-net-certutil', '-r', '-n', cluster),
        command('corosync-qnetd-certutil', '-s', '-c', '/root/qdevice-net-node.crq', '-n', cluster),
        command('corosync-qdevice-net-certutil', '-M', '-c', `/root/cluster-${cluster}.crt`),
        command('corosync-qdevice-net-certutil', '-m', '-c', '/root/qdevice-net-node.p12'),
      ],
    });
  }
  if (!facts.qnetdActive)
    changes.push({
      summary: 'enable and start corosync-qnetd on the witness',
      commands: ['systemctl enable --now corosync-qnetd'],
    });
  if (changes.length === 0)
    return {
      kind: 'noop',
      reason: 'the witness runs corosync-qnetd and both nodes hold the cluster certificate',
    };
  return { kind: 'change', changes };
}

function target(transport: Transport, signal: AbortSignal, log: (line: string) => void): RunTarget {
  return { transport, label: transport.label, signal, log };
}

async function facts(context: PairStepContext, witness: RunTarget): Promise<WitnessFacts> {
  const dpkg = parseDpkgQuery((await read(witness, dpkgQueryCommand([QNETD_PACKAGE]))).stdout);
  const active = (await read(witness, 'systemctl is-active corosync-qnetd')).stdout.trim() === 'active';
  const ca = (await read(witness, sh`test -f ${QNETD_CA}`)).code === 0;
  const cert = (await read(witness, sh`test -f ${clusterCertPath(context.site.name)}`)).code === 0;
  const db = await Promise.all(
    context.nodes.map(
      async (node) =>
        (
          await read(
            node,
            sh`certutil -L -d ${QDEVICE_DB} -n Cluster\ Cert 2>/dev/null || test -f ${NODE_P12}`,
          )
        ).code === 0,
    ),
  );
  return {
    qnetdInstalled: dpkg.get(QNETD_PACKAGE)?.installed ?? false,
    qnetdActive: active,
    caExists: ca,
    clusterCert: cert,
    nodeDb: [db[0] ?? false, db[1] ?? false],
  };
}

async function copy(from: RunTarget, path: string, to: RunTarget, dest: string): Promise<void> {
  const data = Buffer.from(
    (await run(from, sh`base64 -w0 ${path}`, { quiet: true })).stdout.trim(),
    'base64',
  );
  await to.transport.upload(data, dest, { mode: 0o600, sudo: true });
}

/** `cluster.witness` (pair, quorum: witness). */
export function witnessStep(options: RecipeOptions): PairStep {
  const open = async (context: PairStepContext): Promise<Transport> => {
    if (!options.witnessConnection) {
      throw new LockstepError({
        code: 'config',
        field: 'quorum.witness',
        message: 'No connection to the quorum witness was given.',
        remedy: 'Pin the witness host key with `lockstep trust` and run apply again.',
      });
    }
    return options.witnessConnection(context.signal);
  };
  return {
    id: 'cluster.witness',
    title: 'Quorum witness (corosync-qnetd)',
    group: 'cluster',
    scope: 'pair',
    applicable: (site) => site.quorum !== 'two_node',
    async inspect(context) {
      const transport = await open(context);
      try {
        return decideWitness(
          context.site.name,
          await facts(context, target(transport, context.signal, context.log)),
        );
      } finally {
        await transport.close();
      }
    },
    async apply(context) {
      const transport = await open(context);
      const witness = target(transport, context.signal, context.log);
      const [a, b] = context.nodes;
      const cluster = context.site.name;
      try {
        const current = await facts(context, witness);
        if (!current.qnetdInstalled)
          await run(
            witness,
            `DEBIAN_FRONTEND=noninteractive ${command('apt-get', '-y', '--no-install-recommends', 'install', QNETD_PACKAGE)}`,
            { timeoutMs: 20 * 60_000 },
          );
        if ((await read(witness, sh`test -f ${QNETD_CA}`)).code !== 0)
          await run(witness, 'corosync-qnetd-certutil -i');
        if (!current.clusterCert || !current.nodeDb[0] || !current.nodeDb[1]) {
          for (const node of [a, b]) {
            await copy(witness, QNETD_CA, node, '/root/qnetd-cacert.crt');
            await run(
              node,
              sh`rm -rf ${QDEVICE_DB} && corosync-qdevice-net-certutil -i -c /root/qnetd-cacert.crt`,
            );
          }
          await run(a, command('corosync-qdevice-net-certutil', '-r', '-n', cluster));
          await copy(a, NODE_CRQ, witness, '/root/qdevice-net-node.crq');
          await run(
            witness,
            sh`rm -f ${clusterCertPath(cluster)} && corosync-qnetd-certutil -s -c /root/qdevice-net-node.crq -n ${cluster}`,
          );
          await copy(witness, clusterCertPath(cluster), a, `/root/cluster-${cluster}.crt`);
          await run(a, sh`corosync-qdevice-net-certutil -M -c ${`/root/cluster-${cluster}.crt`}`);
          await copy(a, NODE_P12, b, '/root/qdevice-net-node.p12');
          await run(b, 'corosync-qdevice-net-certutil -m -c /root/qdevice-net-node.p12');
        }
        await run(witness, 'systemctl enable --now corosync-qnetd');
      } finally {
        await transport.close();
      }
    },
    async verify(context) {
      const transport = await open(context);
      try {
        const decision = decideWitness(
          context.site.name,
          await facts(context, target(transport, context.signal, context.log)),
        );
        if (decision.kind === 'change')
          throw notVerified(
            transport.label,
            `the witness is not ready: ${decision.changes.map((change) => change.summary).join('; ')}.`,
            'Run apply again; `corosync-qnetd-tool -l` on the witness lists the clusters it serves.',
          );
      } finally {
        await transport.close();
      }
    },
  };
}
