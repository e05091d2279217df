import { finding, type Check } from './types';

/** Safety checks: the quorum witness and fencing (PRODUCT.md "Safety"). */

export const quorumWitnessUnreachable: Check = {
  id: 'quorum.witness-unreachable',
  applicable: (context) => context.site.quorum !== 'two_node',
  run: (context) => {
    const quorum = context.site.quorum;
    if (quorum === 'two_node') return [];
    const witness = context.witness;
    if (!witness)
      return [finding('quorum.witness-unreachable', 'warn', 'The quorum witness was not checked.')];
    return witness.reachable
      ? [
          finding(
            'quorum.witness-unreachable',
            'pass',
            `Witness ${quorum.witness.address} answers: ${witness.detail}.`,
            { subject: quorum.witness.address },
          ),
        ]
      : [
          finding(
            'quorum.witness-unreachable',
            'fail',
            `Witness ${quorum.witness.address} cannot be reached: ${witness.detail}.`,
            { subject: quorum.witness.address },
          ),
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
      if (!result)
        return [
          finding('fence.bmc-unreachable', 'warn', `BMC ${node.bmc.address} was not tested.`, {
            node: label,
          }),
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
