import type { NicAddress } from '../api/inventory';
import { isRecord, num, parseJson, str } from './parse-util';
import { FactParseError, type Fact } from './types';

/** IP addresses per interface name (`net.address-conflict`, management NIC detection). */
export const addressesFact: Fact<Map<string, NicAddress[]>> = {
  id: 'addresses',
  command: 'ip -j addr show',
  parse(stdout) {
    const root = parseJson(stdout, 'ip -j addr');
    if (!Array.isArray(root)) throw new FactParseError('ip -j addr did not print an array');
    const byName = new Map<string, NicAddress[]>();
    for (const entry of root.filter(isRecord)) {
      const name = str(entry.ifname);
      if (!name) continue;
      const addresses: NicAddress[] = [];
      for (const info of Array.isArray(entry.addr_info) ? entry.addr_info.filter(isRecord) : []) {
        const family = info.family;
        const address = str(info.local);
        const prefixLength = num(info.prefixlen);
        if ((family !== 'inet' && family !== 'inet6') || !address || prefixLength === null) continue;
        addresses.push({ family, address, prefixLength, scope: str(info.scope) ?? 'global' });
      }
      byName.set(name, addresses);
    }
    return byName;
  },
};
