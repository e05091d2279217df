import type { HostInfo } from '../api/inventory';
import { lines } from './parse-util';
import { FactParseError, type Fact } from './types';

/** Host name, kernel, architecture and the server's clock, in one cheap command. */
export const systemFact: Fact<HostInfo> = {
  id: 'system',
  command: 'uname -n; uname -r; uname -m; date +%s',
  parse(stdout) {
    const [hostname, kernel, architecture, epoch] = lines(stdout);
    if (!hostname || !kernel || !architecture)
      throw new FactParseError('uname printed fewer than three lines');
    const seconds = epoch !== undefined && /^\d+$/.test(epoch) ? Number(epoch) : null;
    return { hostname, kernel, architecture, clockEpochSeconds: seconds };
  },
};
