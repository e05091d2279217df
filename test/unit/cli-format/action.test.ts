import { describe, expect, it } from 'vitest';
import type { ActionResult } from '../../../provisioning/api/actions';
import { formatActionResult } from '../../../provisioning/cli/format/action';

const base: ActionResult = {
  action: 'node.standby',
  title: 'Put lockstep-b into maintenance (standby)',
  subject: 'lockstep-b',
  decision: {
    kind: 'change',
    changes: [{ summary: 'put lockstep-b into standby (it runs nothing; lockstep-a keeps running everything)', commands: ['crm_attribute --node lockstep-b --name standby --update on --lifetime forever'] }],
  },
  outcome: 'changed',
  message: 'lockstep-b is in standby and runs nothing; the peer runs everything.',
  log: ['[10.211.0.11] $ crm_attribute --node lockstep-b --name standby --update on --lifetime forever'],
  durationMs: 2300,
};

describe('lockstep node / vm output', () => {
  it('says what was done and what is true now', () => {
    expect(formatActionResult(base)).toBe(
      [
        'Put lockstep-b into maintenance (standby)',
        '  did: put lockstep-b into standby (it runs nothing; lockstep-a keeps running everything)',
        'lockstep-b is in standby and runs nothing; the peer runs everything. (2.3 s)',
      ].join('\n'),
    );
  });

  it('a dry run shows the commands and says nothing was changed', () => {
    const text = formatActionResult({ ...base, outcome: 'planned', message: 'Would put lockstep-b into standby.' });
    expect(text).toContain('  would: put lockstep-b into standby');
    expect(text).toContain('      $ crm_attribute --node lockstep-b --name standby --update on --lifetime forever');
    expect(text).toContain('(dry run: nothing was changed)');
  });

  it('nothing to do says why', () => {
    const text = formatActionResult({ ...base, decision: { kind: 'noop', reason: 'lockstep-b is already in standby; it runs nothing' }, outcome: 'noop', message: 'Nothing to do: lockstep-b is already in standby; it runs nothing.' });
    expect(text.split('\n')[1]).toBe('  already done: lockstep-b is already in standby; it runs nothing');
  });
});
