import { isRecord, num, parseJson, str } from './parse-util';
import { FactParseError, type Fact } from './types';

/** One link of `ip -j -d link show`, with the fields the inventory reads. */
export interface Link {
  readonly name: string;
  readonly index: number | null;
  readonly flags: readonly string[];
  readonly mtu: number;
  readonly operState: string;
  /** `ether`, `loopback`, `none`, … */
  readonly linkType: string | null;
  readonly mac: string | null;
  /** The original MAC of a bond slave (a bond rewrites its slaves' addresses). */
  readonly permanentMac: string | null;
  /** linkinfo.info_kind: `bond`, `bridge`, `vlan`, `veth`, `dummy`, … ; null for hardware NICs. */
  readonly kind: string | null;
  /** linkinfo.info_slave_kind: `bond` or `bridge` when enslaved. */
  readonly slaveKind: string | null;
  readonly master: string | null;
  /** `link`: the lower device of a VLAN, the peer of a veth. */
  readonly link: string | null;
  readonly vlanId: number | null;
  readonly bondMode: string | null;
  readonly bondActiveSlave: string | null;
  readonly parentBus: string | null;
}

/** All network links with their kind, master and VLAN/bond details. */
export const linksFact: Fact<Link[]> = {
  id: 'links',
  command: 'ip -j -d link show',
  parse(stdout) {
    const root = parseJson(stdout, 'ip -j link');
    if (!Array.isArray(root)) throw new FactParseError('ip -j link did not print an array');
    return root.filter(isRecord).map((entry) => {
      const name = str(entry.ifname);
      if (!name) throw new FactParseError('ip -j link entry has no ifname');
      const info = isRecord(entry.linkinfo) ? entry.linkinfo : {};
      const data = isRecord(info.info_data) ? info.info_data : {};
      const slaveData = isRecord(info.info_slave_data) ? info.info_slave_data : {};
      const kind = str(info.info_kind);
      return {
        name,
        index: num(entry.ifindex),
        flags: Array.isArray(entry.flags)
          ? entry.flags.filter((f): f is string => typeof f === 'string')
          : [],
        mtu: num(entry.mtu) ?? 0,
        operState: (str(entry.operstate) ?? 'UNKNOWN').toLowerCase(),
        linkType: str(entry.link_type),
        mac: entry.link_type === 'ether' ? str(entry.address) : null,
        permanentMac: str(slaveData.perm_hwaddr) ?? str(entry.permaddr),
        kind,
        slaveKind: str(info.info_slave_kind),
        master: str(entry.master),
        link: str(entry.link),
        vlanId: kind === 'vlan' ? num(data.id) : null,
        bondMode: kind === 'bond' ? str(data.mode) : null,
        bondActiveSlave: kind === 'bond' ? str(data.active_slave) : null,
        parentBus: str(entry.parentbus),
      };
    });
  },
};
