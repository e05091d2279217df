import type { ResolvedSite } from '../../api/site';
import type { Change, PairFacts, PairStep } from '../../engine/types';
import { command } from '../../util/shell';
import { marker, readFile, writeCommand, writeFileIfChanged } from '../support/files';
import { notVerified } from '../support/run';

export const COROSYNC_CONF = '/etc/corosync/corosync.conf';

/**
 * /etc/corosync/corosync.conf, rendered once for the pair and written identically on
 * both nodes (a barrier: corosync must not start with two different files). Two knet
 * links: link 0 the private link (preferred), link 1 the management network.
 */
export function renderCorosyncConf(site: Pick<ResolvedSite, 'name' | 'quorum'>, pair: PairFacts): string {
  const links = pair.privateLink
    ? [
        { a: pair.privateLink.a.address, b: pair.privateLink.b.address },
        { a: pair.management.a.address, b: pair.management.b.address },
      ]
    : [{ a: pair.management.a.address, b: pair.management.b.address }];
  const node = (key: 'a' | 'b', id: number): string[] => [
    '    node {',
    `        name: ${pair.hostnames[key]}`,
    `        nodeid: ${id}`,
    ...links.map((link, index) => `        ring${index}_addr: ${link[key]}`),
    '    }',
  ];
  const quorum =
    site.quorum === 'two_node'
      ? ['quorum {', '    provider: corosync_votequorum', '    two_node: 1', '}']
      : [
          'quorum {',
          '    provider: corosync_votequorum',
          '    device {',
          '        model: net',
          '        votes: 1',
          '        net {',
          `            host: ${site.quorum.witness.address}`,
          '            algorithm: ffsplit',
          '            tls: on',
          '        }',
          '    }',
          '}',
        ];
  return `${[
    marker(site.name),
    '',
    'totem {',
    '    version: 2',
    `    cluster_name: ${site.name}`,
    '    transport: knet',
    '    crypto_cipher: aes256',
    '    crypto_hash: sha256',
    '    link_mode: passive',
    ...links.flatMap((_, index) => [
      '    interface {',
      `        linknumber: ${index}`,
      `        knet_link_priority: ${links.length - index}`,
      '    }',
    ]),
    '}',
    '',
    'nodelist {',
    ...node('a', 1),
    ...node('b', 2),
    '}',
    '',
    ...quorum,
    '',
    'logging {',
    '    to_syslog: yes',
    '    to_logfile: yes',
    '    logfile: /var/log/corosync/corosync.log',
    '    timestamp: on',
    '}',
  ].join('\n')}\n`;
}

/** Decides from both nodes' files (pure). */
export function decideCorosyncConf(
  wanted: string,
  current: { a: string | null; b: string | null },
): { kind: 'noop'; reason: string } | { kind: 'change'; changes: Change[] } {
  const changes: Change[] = (['a', 'b'] as const)
    .filter((key) => current[key] !== wanted)
    .map((key) => ({
      summary: `write ${COROSYNC_CONF} on node ${key}${current[key] === null ? '' : ' (it differs)'}`,
      commands: [writeCommand(COROSYNC_CONF), command('corosync', '-t')],
    }));
  if (changes.length === 0)
    return { kind: 'noop', reason: `${COROSYNC_CONF} is identical on both nodes and as planned` };
  return { kind: 'change', changes };
}

/** `cluster.corosync-conf` (pair). */
export const corosyncConfStep: PairStep = {
  id: 'cluster.corosync-conf',
  title: 'Corosync configuration',
  group: 'cluster',
  scope: 'pair',
  applicable: () => true,
  async inspect(context) {
    const wanted = renderCorosyncConf(context.site, context.pair);
    const [a, b] = await Promise.all(context.nodes.map((node) => readFile(node, COROSYNC_CONF)));
    return decideCorosyncConf(wanted, { a: a ?? null, b: b ?? null });
  },
  async apply(context) {
    const wanted = renderCorosyncConf(context.site, context.pair);
    await Promise.all(context.nodes.map((node) => writeFileIfChanged(node, COROSYNC_CONF, wanted)));
  },
  async verify(context) {
    const wanted = renderCorosyncConf(context.site, context.pair);
    for (const node of context.nodes) {
      if ((await readFile(node, COROSYNC_CONF)) !== wanted) {
        throw notVerified(
          node.label,
          `${COROSYNC_CONF} is not the planned file.`,
          'Run apply again; do not edit the file by hand (Lockstep owns it).',
        );
      }
    }
  },
};
