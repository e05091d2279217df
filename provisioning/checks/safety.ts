import { finding, type Check } from './types';

/** Safety checks: the quorum witness and fencing (PRODUCT.md "Safety"). */

export const quorumWitnessUnreachable: Check = {
  id: 'quorum.witness-unreachable',
  applicable: (context) => context.site.quorum !== 'two_node',
  run: (context) => {
    const quorum = context.site.quorum;
    if (quorum === 'two_node') return [];
    const address = quorum.witness.address;
    const witness = context.witness;
    if (!witness)
      return [finding('quorum.witness-unreachable', 'warn', 'The quorum witness was not checked.')];
    const findings = [];
    if (!witness.reachable)
      findings.push(
        finding(
          'quorum.witness-unreachable',
          'fail',
          `Witness ${address} cannot be used: ${witness.detail}`,
          {
            subject: address,
            ...(witness.remedy !== undefined && { remedy: witness.remedy }),
          },
        ),
      );
    for (const [index, node] of context.nodes.entries()) {
      const key = index === 0 ? 'a' : 'b';
      const port = witness.port?.[key];
      if (!port) continue;
      const blocked =
        port.answer === 'no-answer' ||
        port.answer === 'unreachable' ||
        (port.answer === 'refused' && witness.qnetdActive === true);
      if (blocked)
        findings.push(
          finding(
            'quorum.witness-unreachable',
            'fail',
            `${node.label} cannot reach the witness's port ${witness.qnetdPort} (${address}): ${port.detail}.`,
            {
              node: node.label,
              subject: address,
              remedy: `corosync-qdevice on ${node.label} connects to ${address}:${witness.qnetdPort}: open that TCP port between the nodes and the witness (a firewall${port.answer === 'refused' ? ' that rejects it' : ' that drops it, or a missing route'} is the usual cause).`,
            },
          ),
        );
    }
    if (findings.length > 0) return findings;
    const ports = witness.port
      ? ` The nodes reach its port ${witness.qnetdPort}${witness.qnetdActive ? '' : ' (nothing listens there until apply installs corosync-qnetd)'}.`
      : '';
    return [
      finding('quorum.witness-unreachable', 'pass', `Witness ${address}: ${witness.detail}.${ports}`, {
        subject: address,
      }),
    ];
  },
};

export const fenceBmcUnreachable: Check = {
  id: 'fence.bmc-unreachable',
  applicable: (context) => context.site.fencing.mode === 'ipmi',
  run: (context) =>
    context.site.nodes.flatMap((node, index) => {
      const key = index === 0 ? 'a' : 'b';
      const label = context.nodes[index]?.label ?? node.address;
      if (!node.bmc)
        return [
          finding('fence.bmc-unreachable', 'fail', 'Fencing is ipmi, but no BMC is given for this server.', {
            node: label,
          }),
        ];
      const result = context.bmc?.[key];
      if (!result || result.reachable === null)
        return [
          finding(
            'fence.bmc-unreachable',
            'warn',
            `BMC ${node.bmc.address} was not tested${result ? `: ${result.detail}` : ''}.`,
            { node: label, subject: node.bmc.address },
          ),
        ];
      return result.reachable
        ? [
            finding('fence.bmc-unreachable', 'pass', `BMC ${node.bmc.address} answers: ${result.detail}.`, {
              node: label,
              subject: node.bmc.address,
            }),
          ]
        : [
            finding('fence.bmc-unreachable', 'fail', `BMC ${node.bmc.address}: ${result.detail}.`, {
              node: label,
              subject: node.bmc.address,
            }),
          ];
    }),
};

export const fenceNone: Check = {
  id: 'fence.none',
  applicable: (context) => context.site.fencing.mode === 'none',
  run: (context) =>
    context.site.fencing.acknowledgeNoFencing
      ? [
          finding(
            'fence.none',
            'warn',
            'No fencing: if the servers lose sight of each other, both may run the same VM. The risk is acknowledged in the site file and the console will keep showing it.',
          ),
        ]
      : [finding('fence.none', 'fail', 'No fencing is configured and the risk is not acknowledged.')],
};

export const safetyChecks: readonly Check[] = [quorumWitnessUnreachable, fenceBmcUnreachable, fenceNone];
