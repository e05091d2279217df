import type { KvmInfo } from '../api/inventory';
import { keyValueLines } from './parse-util';
import { FactParseError, type Fact } from './types';

/** Whether KVM is usable (`/dev/kvm`) and whether nested virtualization is on. */
export const kvmFact: Fact<KvmInfo> = {
  id: 'kvm',
  command:
    'if test -c /dev/kvm; then echo dev_kvm=present; else echo dev_kvm=absent; fi; ' +
    'for m in kvm_intel kvm_amd; do if test -r /sys/module/$m/parameters/nested; then ' +
    'echo "$m.nested=$(cat /sys/module/$m/parameters/nested)"; fi; done',
  parse(stdout) {
    const fields = keyValueLines(stdout);
    const dev = fields.get('dev_kvm');
    if (dev !== 'present' && dev !== 'absent') throw new FactParseError('no dev_kvm= line');
    const nestedText = fields.get('kvm_intel.nested') ?? fields.get('kvm_amd.nested');
    const nested = nestedText === undefined ? null : ['Y', 'y', '1'].includes(nestedText.trim());
    return { devKvm: dev === 'present', nested };
  },
};
