import { lines } from './parse-util';
import { COMMAND_NOT_FOUND, FactParseError, type Fact } from './types';

/** systemd-detect-virt's answers; `none` becomes null. */
export interface DetectedVirtualization {
  readonly vm: string | null;
  readonly container: string | null;
}

/** Whether the server is itself a VM or a container (`cpu.nested`). */
export const virtualizationFact: Fact<DetectedVirtualization> = {
  id: 'virtualization',
  command:
    'command -v systemd-detect-virt >/dev/null || exit 127; ' +
    'systemd-detect-virt --vm; systemd-detect-virt --container; exit 0',
  parse(stdout, context) {
    if (context.code === COMMAND_NOT_FOUND) throw new FactParseError('systemd-detect-virt is not installed');
    const [vm, container] = lines(stdout);
    if (vm === undefined || container === undefined)
      throw new FactParseError('systemd-detect-virt printed fewer than two lines');
    return { vm: vm === 'none' ? null : vm, container: container === 'none' ? null : container };
  },
};
