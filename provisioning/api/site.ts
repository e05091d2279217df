import { z } from 'zod';

/**
 * The site file: one YAML file that describes a pair (PRODUCT.md "CLI contract").
 *
 * This module is the single source of truth for the format: the loader
 * (`provisioning/site`) parses files with it, the UI validates form fields with it
 * (`validateSiteField`), and `docs/site-file.md` is generated from it. It holds no
 * Node imports so that the renderer can use it.
 *
 * Three shapes exist:
 * - `SiteFile`: what the file says (most fields optional).
 * - `ResolvedSite`: every default applied; values found by probing stay `'auto'`.
 * - `ConcreteSite`: the same with every `'auto'` replaced by what probing found.
 */

// ---------------------------------------------------------------------------
// Defaults

/** The static defaults of the format; `resolveSite` and the docs both read them. */
export const SITE_DEFAULTS = {
  sshUser: 'root',
  sshPort: 22,
  bmcPort: 623,
  hypervisor: 'kvm',
  volumeGroup: 'lockstep',
  availability: 'ha',
  packageSource: 'mirror',
} as const;

/** The value that means "Lockstep decides by probing the servers". */
export const AUTO = 'auto';
export type Auto = typeof AUTO;

/** The environment variable a node's BMC password is read from when the file names none. */
export function defaultBmcPasswordEnv(node: NodeKey): string {
  return `LOCKSTEP_BMC_${node.toUpperCase()}_PASSWORD`;
}

/** `a` is the first entry of `nodes`, `b` the second; per-node fields use these keys. */
export const NODE_KEYS = ['a', 'b'] as const;
export type NodeKey = (typeof NODE_KEYS)[number];

// ---------------------------------------------------------------------------
// Value rules (pure; shared with forms)

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = z.ipv6();
const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** True for a dotted-quad IPv4 address without leading zeros. */
export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/** True for an IPv6 address literal (no brackets, no zone). */
export function isIPv6(text: string): boolean {
  return text.includes(':') && IPV6.safeParse(text).success;
}

/** True for an RFC 1123 hostname whose last label is not all digits (so `10.0.0.300` is not one). */
export function isHostname(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  const labels = text.split('.');
  if (!labels.every((label) => HOST_LABEL.test(label))) return false;
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}

/** What the `address` fields accept: IPv4, IPv6 or a hostname. */
export function isAddress(text: string): boolean {
  return isIPv4(text) || isIPv6(text) || isHostname(text);
}

/** A parsed CIDR block; `network` is the block's first address. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly address: string;
  readonly prefix: number;
  readonly network: string;
}

/** Parses `10.99.0.0/30` or `fd00:99::/64`; undefined when it is not a CIDR block at all. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(0|[1-9]\d{0,2})$/.exec(text);
  if (!match) return undefined;
  const address = match[1] ?? '';
  const prefix = Number(match[2]);
  if (isIPv4(address) && prefix <= 32) {
    const value = ipv4ToNumber(address);
    const mask = prefix === 0 ? 0n : ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - prefix)) - 1n);
    return { family: 4, address, prefix, network: numberToIPv4(value & mask) };
  }
  if (isIPv6(address) && prefix <= 128) {
    const value = ipv6ToNumber(address);
    if (value === undefined) return undefined;
    const all = (1n << 128n) - 1n;
    const mask = prefix === 0 ? 0n : all ^ ((1n << BigInt(128 - prefix)) - 1n);
    return { family: 6, address, prefix, network: numberToIPv6(value & mask) };
  }
  return undefined;
}

function ipv4ToNumber(text: string): bigint {
  return text.split('.').reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n);
}

function numberToIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
}

function ipv6ToNumber(text: string): bigint | undefined {
  if (text.includes('.')) return undefined;
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  const groups = tail === undefined ? left : [...left, ...Array<string>(missing).fill('0'), ...right];
  if (groups.length !== 8) return undefined;
  return groups.reduce((sum, group) => (sum << 16n) + BigInt(parseInt(group, 16)), 0n);
}

function numberToIPv6(value: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) =>
    ((value >> shift) & 0xffffn).toString(16),
  );
  const text = groups.join(':');
  const runs = [...text.matchAll(/(^|:)0(:0)+(:|$)/g)];
  const longest = runs.sort((x, y) => y[0].length - x[0].length)[0];
  return longest ? text.replace(longest[0], '::') : text;
}

const PAIR_NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
const NODE_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const INTERFACE_NAME = /^(?!\.{1,2}$)(?!auto$)[^\s/:]{1,15}$/;
const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VOLUME_GROUP = /^(?!\.{1,2}$)[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,126}$/;
const DEVICE_PATH = /^\/dev\/\S+$/;

/** Turns free text into the nearest valid pair name, for the fix of a bad one. */
function suggestPairName(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return cleaned === '' ? 'pair1' : cleaned;
}

// ---------------------------------------------------------------------------
// Field documentation: the registry every message, form and doc page reads

/** What the docs, the error messages and the forms say about one field. */
export interface SiteFieldDoc {
  /** One or two sentences for the reference and for comments in written files. */
  readonly description: string;
  /** The phrase after "expected" in an error: "an integer from 1 to 65535". */
  readonly expected: string;
  /** The default in words (markdown); absent for required fields. */
  readonly default?: string;
  /** A value as it would appear in YAML after `key: `. */
  readonly example?: string;
  /** How to fix a bad value; a function may look at what was written. */
  readonly fix?: string | ((got: unknown) => string);
  /** Values written here are secrets: never echo them. */
  readonly secret?: boolean;
}

/** The zod registry that attaches `SiteFieldDoc`s to the schemas below. */
export const siteFieldDocs = z.registry<SiteFieldDoc>();

function documented<T extends z.ZodType>(schema: T, doc: SiteFieldDoc): T {
  siteFieldDocs.add(schema, doc);
  return schema;
}

const autoLiteral = z.literal(AUTO);

function addressField(description: string, example: string): z.ZodString {
  return documented(z.string().refine(isAddress), {
    description,
    expected: 'an IPv4 or IPv6 address or a hostname',
    example,
    fix: (got) => addressFix(got, example),
  });
}

function addressFix(got: unknown, example: string): string {
  if (typeof got === 'string') {
    if (/^\[.*\](:\d+)?$/.test(got))
      return 'write the IPv6 address without brackets, and the port under `port:`.';
    if (/^[^:]+:\d+$/.test(got))
      return `write the port under \`port:\` and the address alone, e.g. \`${got.split(':')[0]}\`.`;
    if (/^[\d.]+$/.test(got))
      return `an IPv4 address is four numbers from 0 to 255 separated by dots, e.g. \`${example}\`.`;
    if (/\s/.test(got)) return 'remove the spaces: one address per field.';
  }
  return `write the server's address, e.g. \`${example}\` or \`node-a.example.com\`.`;
}

function portField(description: string, defaultText: string, example: string): z.ZodNumber {
  return documented(z.number().int().min(1).max(65535), {
    description,
    expected: 'an integer from 1 to 65535',
    default: defaultText,
    example,
    fix: (got) =>
      typeof got === 'string' && /^\d+$/.test(got)
        ? `write the number without quotes: \`${got}\`.`
        : `e.g. \`${example}\`.`,
  });
}

function interfaceField(description: string, example: string): z.ZodUnion<[typeof autoLiteral, z.ZodString]> {
  return documented(z.union([autoLiteral, z.string().regex(INTERFACE_NAME)]), {
    description,
    expected: 'a network interface name as `ip link` shows it (at most 15 characters), or `auto`',
    default: '`auto`',
    example,
    fix: `write the interface name from \`lockstep probe\`, e.g. \`${example}\`, or \`auto\`.`,
  });
}

function interfacePair(description: string, a: string, b: string) {
  return z.strictObject({
    a: interfaceField(`${description} on node a.`, a).optional(),
    b: interfaceField(`${description} on node b.`, b).optional(),
  });
}

const devicePath = documented(z.string().regex(DEVICE_PATH), {
  description: 'A disk by its device path; `/dev/disk/by-id/…` survives reboots and re-cabling.',
  expected: 'an absolute device path under /dev, preferably /dev/disk/by-id/…',
  example: '/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T123456',
  fix: 'copy the path from `lockstep probe`, e.g. `/dev/disk/by-id/nvme-…`.',
});

const passwordSource = documented(
  z.union([
    z.literal('prompt'),
    z.strictObject({
      env: documented(z.string().regex(ENV_NAME), {
        description: 'The environment variable that holds the BMC password when Lockstep runs.',
        expected: 'an environment variable name of letters, digits and `_`',
        example: 'LOCKSTEP_BMC_A_PASSWORD',
      }),
    }),
  ]),
  {
    description:
      'Where the BMC password comes from: `{ env: NAME }` reads that environment variable, `prompt` asks on a terminal. The password itself never goes in the file.',
    expected: '`prompt` or `{ env: VARIABLE_NAME }`',
    default: '`{ env: LOCKSTEP_BMC_A_PASSWORD }` for node a, `{ env: LOCKSTEP_BMC_B_PASSWORD }` for node b',
    example: '{ env: LOCKSTEP_BMC_A_PASSWORD }',
    secret: true,
    fix: 'remove the password from the file; write `password: { env: LOCKSTEP_BMC_A_PASSWORD }` and export that variable, or `password: prompt`.',
  },
);

const BmcSchema = documented(
  z.strictObject({
    address: addressField("The BMC's (IPMI) address.", '10.0.1.11'),
    user: documented(z.string().min(1), {
      description: 'The IPMI user.',
      expected: 'an IPMI user name',
      example: 'ADMIN',
    }),
    port: portField('The IPMI (lanplus) port.', `\`${SITE_DEFAULTS.bmcPort}\``, '623').optional(),
    password: passwordSource.optional(),
  }),
  {
    description:
      "The server's BMC, used for fencing with `fence_ipmilan`. Give it on both nodes or on neither.",
    expected: 'a mapping with address, user and optionally port and password',
    default: 'none (no fencing unless both nodes have one)',
    example: '{ address: 10.0.1.11, user: ADMIN, password: { env: LOCKSTEP_BMC_A_PASSWORD } }',
  },
);

const NodeSchema = documented(
  z.strictObject({
    address: addressField('How Lockstep reaches the server over SSH.', '10.0.0.11'),
    port: portField('The SSH port of this server.', '`ssh.port`', '22').optional(),
    name: documented(z.union([autoLiteral, z.string().regex(NODE_NAME)]), {
      description: 'The cluster node name. `auto` uses the hostname found by probing.',
      expected: 'a hostname-like name of letters, digits and hyphens (at most 63), or `auto`',
      default: '`auto`',
      example: 'node-a',
    }).optional(),
    bmc: BmcSchema.optional(),
  }),
  {
    description: 'One server.',
    expected: 'a mapping with at least `address:`',
    example: '{ address: 10.0.0.11 }',
    fix: 'write the server as `- address: 10.0.0.11`.',
  },
);

// The count is checked by `nodeCountProblem`: zod's length checks would hide the
// problems inside the entries.
const NodesSchema = documented(z.array(NodeSchema), {
  description:
    'The two servers. The first entry is node `a`, the second node `b`; per-node fields elsewhere use these keys. Two entries may share an address only with different ports.',
  expected: 'a list of exactly two servers',
  example: '[{ address: 10.0.0.11 }, { address: 10.0.0.12 }]',
  fix: 'list exactly two servers, each as `- address: …` on its own line.',
});

function nodeCountProblem(nodes: unknown): SiteProblem | undefined {
  if (!Array.isArray(nodes) || nodes.length === 2) return undefined;
  const tooMany = nodes.length > 2;
  return {
    path: tooMany ? ['nodes', 2] : ['nodes'],
    field: 'nodes',
    message: `expected exactly two servers, got ${nodes.length}`,
    expected: 'exactly two servers',
    got: String(nodes.length),
    fix: tooMany
      ? 'a pair is two servers: remove the entries after the second (a quorum witness goes under `quorum: { witness: … }`).'
      : 'add the second server as another `- address: …` line.',
  };
}

const SshSchema = documented(
  z.strictObject({
    user: documented(z.string().regex(USER_NAME), {
      description:
        'The login user on both servers. Not root: sudo is used, with the password from `LOCKSTEP_SUDO_PASSWORD` or a prompt.',
      expected: 'a user name of letters, digits, `_`, `.` and `-`',
      default: `\`${SITE_DEFAULTS.sshUser}\``,
      example: 'root',
    }).optional(),
    identityFile: documented(z.string().min(1), {
      description:
        'The private key. `~` is your home folder; a relative path is relative to the site file. The file must exist.',
      expected: 'the path of a private key file',
      default: 'none: ssh-agent, then a password from `LOCKSTEP_SSH_PASSWORD` or a prompt',
      example: '~/.ssh/id_ed25519',
    }).optional(),
    port: portField(
      'The SSH port of both servers, unless a node says otherwise.',
      `\`${SITE_DEFAULTS.sshPort}\``,
      '22',
    ).optional(),
  }),
  {
    description: 'How to log in to the servers. Passwords never go in the file.',
    expected: 'a mapping with user, identityFile and port',
    default: `user \`${SITE_DEFAULTS.sshUser}\`, port \`${SITE_DEFAULTS.sshPort}\`, ssh-agent`,
    example: '{ user: root, identityFile: ~/.ssh/id_ed25519 }',
  },
);

const BusinessNetworkSchema = documented(
  z.strictObject({
    bridge: documented(z.string().regex(INTERFACE_NAME), {
      description: 'The Linux bridge VMs attach to (created on both nodes).',
      expected: 'a bridge name of at most 15 characters',
      example: 'br-biz',
    }),
    a: interfaceField('The bridged interface on node a.', 'enp2s0').optional(),
    b: interfaceField('The bridged interface on node b.', 'enp3s0').optional(),
  }),
  {
    description: 'A business network: a bridge on each node over the named interface.',
    expected: 'a mapping with bridge, a and b',
    example: '{ bridge: br-biz, a: enp2s0, b: enp3s0 }',
  },
);

const MtuSchema = documented(z.union([autoLiteral, z.number().int().min(1280).max(9216)]), {
  description: 'The MTU of the private link; `auto` uses the largest both ends and the cable carry.',
  expected: 'an integer from 1280 to 9216 (1500 or 9000 usually), or `auto`',
  default: '`auto`',
  example: '9000',
});

const SubnetSchema = documented(
  z.union([autoLiteral, z.string().refine((text) => privateSubnetProblem(text) === undefined)]),
  {
    description:
      'The private link subnet; node a gets its first address, node b the second. `auto` picks an unused one.',
    expected: 'an IPv4 or IPv6 CIDR block with room for two addresses (IPv4 /31 or larger), or `auto`',
    default: '`auto`',
    example: '10.99.0.0/30',
    fix: (got) => (typeof got === 'string' ? privateSubnetFix(got) : 'e.g. `10.99.0.0/30`, or `auto`.'),
  },
);

function privateSubnetProblem(text: string): string | undefined {
  const cidr = parseCidr(text);
  if (!cidr) return 'not a CIDR block';
  if (cidr.network !== cidr.address) return 'host bits set';
  if (cidr.prefix > (cidr.family === 4 ? 31 : 127)) return 'too small';
  return undefined;
}

function privateSubnetFix(text: string): string {
  const cidr = parseCidr(text);
  if (!cidr) {
    if (isIPv4(text)) return `add the prefix length, e.g. \`${text}/30\`.`;
    return 'write the network address and prefix length, e.g. `10.99.0.0/30`, or `auto`.';
  }
  if (cidr.network !== cidr.address)
    return `the address must be the first of the block: \`${cidr.network}/${cidr.prefix}\`.`;
  return `use a block with room for two addresses, e.g. \`${cidr.family === 4 ? '10.99.0.0/30' : 'fd00:99::/64'}\`.`;
}

const PrivateLinkSchema = z.strictObject({
  a: interfaceField('The private link interface on node a.', 'enp3s0').optional(),
  b: interfaceField('The private link interface on node b.', 'enp2s0').optional(),
  subnet: SubnetSchema.optional(),
  mtu: MtuSchema.optional(),
});

const NetworkSchema = documented(
  z.union([
    autoLiteral,
    z.strictObject({
      management: documented(
        z.union([autoLiteral, interfacePair('The management interface', 'enp1s0', 'enp1s0')]),
        {
          description:
            'The interface that carries the SSH session; also the second Corosync link. `auto` takes the one the SSH session uses.',
          expected: '`auto` or a mapping `{ a: NIC, b: NIC }`',
          default: '`auto`',
          example: '{ a: enp1s0, b: enp1s0 }',
        },
      ).optional(),
      private: documented(z.union([autoLiteral, PrivateLinkSchema]), {
        description:
          'The replication link cabled directly between the two servers. `auto` finds it by probing the wire, preferring the fastest.',
        expected: '`auto` or a mapping with a, b, subnet and mtu',
        default: '`auto`',
        example: '{ a: enp3s0, b: enp2s0, subnet: 10.99.0.0/30, mtu: 9000 }',
      }).optional(),
      business: documented(z.union([autoLiteral, z.array(BusinessNetworkSchema)]), {
        description:
          'The networks VMs use, one bridge each. `auto` bridges every remaining connected interface; `[]` makes none.',
        expected: '`auto` or a list of `{ bridge, a, b }`',
        default: '`auto`',
        example: '[{ bridge: br-biz, a: enp2s0, b: enp3s0 }]',
      }).optional(),
    }),
  ]),
  {
    description: 'Network roles. Each part may be `auto`, and so may the whole section.',
    expected: '`auto` or a mapping with management, private and business',
    default: '`auto`',
    example: 'auto',
  },
);

const DiskListSchema = documented(z.union([autoLiteral, z.array(devicePath).min(1)]), {
  description:
    "This node's pool disks. `auto` takes every empty candidate disk (not the system disk, unmounted, no data).",
  expected: '`auto` or a non-empty list of device paths',
  default: '`auto`',
  example: '[/dev/disk/by-id/nvme-…]',
});

function wipeIdentityFix(got: unknown): string {
  if (typeof got === 'number') return `quote it so it stays text: \`"${got}"\`.`;
  return 'copy the model and serial from `lockstep probe`: they prove you mean this physical disk.';
}

const WipeSchema = documented(
  z.strictObject({
    node: documented(z.enum(NODE_KEYS), {
      description: 'The node the disk is in.',
      expected: '`a` or `b`',
      example: 'a',
    }),
    device: devicePath,
    model: documented(z.string().min(1), {
      description: 'The disk model exactly as `lockstep probe` shows it; it must match the disk.',
      expected: "the disk's model exactly as `lockstep probe` shows it",
      example: 'SAMSUNG MZQL23T8HCLS-00A07',
      fix: wipeIdentityFix,
    }),
    serial: documented(z.string().min(1), {
      description: 'The disk serial number exactly as `lockstep probe` shows it; it must match the disk.',
      expected: "the disk's serial number exactly as `lockstep probe` shows it",
      example: 'S64HNE0T123456',
      fix: wipeIdentityFix,
    }),
  }),
  {
    description: 'Consent to erase one disk that holds data. Without it such a disk is never touched.',
    expected: 'a mapping with node, device, model and serial',
    example: '{ node: a, device: /dev/disk/by-id/…, model: …, serial: … }',
  },
);

const StorageSchema = documented(
  z.strictObject({
    disks: documented(
      z.union([autoLiteral, z.strictObject({ a: DiskListSchema.optional(), b: DiskListSchema.optional() })]),
      {
        description: 'The disks that form the mirrored pool, per node.',
        expected: '`auto` or a mapping `{ a: [...], b: [...] }`',
        default: '`auto`',
        example: '{ a: [/dev/disk/by-id/…], b: auto }',
      },
    ).optional(),
    wipe: documented(z.array(WipeSchema), {
      description: 'Disks with data that may be erased, each confirmed by model and serial.',
      expected: 'a list of `{ node, device, model, serial }`',
      default: '`[]`',
      example: '[]',
    }).optional(),
    volumeGroup: documented(z.string().regex(VOLUME_GROUP), {
      description: 'The LVM volume group created on the pool disks.',
      expected: 'an LVM name of letters, digits and `+_.-`',
      default: `\`${SITE_DEFAULTS.volumeGroup}\``,
      example: 'lockstep',
    }).optional(),
  }),
  {
    description: 'The mirrored storage pool.',
    expected: 'a mapping with disks, wipe and volumeGroup',
    default: 'automatic',
    example: '{ disks: auto }',
  },
);

const WitnessSchema = documented(
  z.strictObject({
    address: addressField('The third machine that runs corosync-qnetd.', '10.0.0.13'),
    port: portField('Its SSH port.', '`ssh.port`', '22').optional(),
    user: documented(z.string().regex(USER_NAME), {
      description: 'Its SSH user.',
      expected: 'a user name of letters, digits, `_`, `.` and `-`',
      default: '`ssh.user`',
      example: 'root',
    }).optional(),
  }),
  {
    description: 'A quorum witness (corosync-qnetd), installed over SSH.',
    expected: 'a mapping with address, port and user',
    example: '{ address: 10.0.0.13 }',
  },
);

const QuorumSchema = documented(
  z.union([z.literal('two_node'), z.strictObject({ witness: WitnessSchema })]),
  {
    description: 'How the pair keeps quorum: Corosync `two_node` mode, or a witness on a third machine.',
    expected: '`two_node` or `{ witness: { address: … } }`',
    default: '`two_node`',
    example: 'two_node',
  },
);

const FencingSchema = documented(
  z.strictObject({
    mode: documented(z.enum(['ipmi', 'none']), {
      description: '`ipmi` fences through the BMCs given on the nodes; `none` runs without fencing.',
      expected: '`ipmi` or `none`',
      default: '`ipmi` when both nodes have a `bmc`, otherwise `none`',
      example: 'ipmi',
    }).optional(),
    acknowledgeNoFencing: documented(z.boolean(), {
      description:
        'Without fencing a split brain can corrupt data. `true` says you accept that; `validate` fails with `fence.none` until you do, and the console shows it.',
      expected: '`true` or `false`',
      default: '`false`',
      example: 'true',
    }).optional(),
  }),
  {
    description: 'Fencing: how one node makes sure the other is off before taking over.',
    expected: 'a mapping with mode and acknowledgeNoFencing',
    default: 'automatic',
    example: '{ mode: ipmi }',
  },
);

const PackagesSchema = documented(
  z.strictObject({
    source: documented(z.enum(['mirror', 'bundle']), {
      description:
        "`mirror` uses the servers' configured Debian mirror; `bundle` uploads an offline bundle over SSH.",
      expected: '`mirror` or `bundle`',
      default: '`bundle` when `bundle` is set, otherwise `mirror`',
      example: 'mirror',
    }).optional(),
    bundle: documented(z.string().min(1), {
      description: 'The folder `lockstep bundle build` wrote; relative to the site file.',
      expected: 'a folder path',
      default: 'none',
      example: './bundle',
    }).optional(),
  }),
  {
    description: 'Where packages come from.',
    expected: 'a mapping with source and bundle',
    default: '`mirror`',
    example: '{ source: mirror }',
  },
);

const AvailabilitySchema = documented(
  z.strictObject({
    default: documented(z.enum(['ha', 'ft', 'none']), {
      description:
        'The level new VMs get: `ha` restarts on the survivor, `ft` keeps running (experimental, needs COLO), `none` is local only.',
      expected: '`ha`, `ft` or `none`',
      default: `\`${SITE_DEFAULTS.availability}\``,
      example: 'ha',
    }).optional(),
  }),
  {
    description: 'Availability levels.',
    expected: 'a mapping with default',
    default: '`ha`',
    example: '{ default: ha }',
  },
);

/** An http(s) URL, as the webhook needs it (anything else cannot be POSTed to). */
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const WebhookSchema = documented(
  z.union([
    z.string().refine(isHttpUrl),
    z.strictObject({
      env: documented(z.string().regex(ENV_NAME), {
        description: 'The environment variable that holds the webhook URL when Lockstep runs (for a URL that carries a token).',
        expected: 'an environment variable name of letters, digits and `_`',
        example: 'LOCKSTEP_WEBHOOK_URL',
      }),
    }),
  ]),
  {
    description:
      'Where every alert is POSTed as JSON (`{source: "lockstep", alert}`), from `status --watch` and the console. A URL that carries a token belongs in an environment variable: `{ env: NAME }`.',
    expected: 'an http:// or https:// URL, or `{ env: VARIABLE_NAME }`',
    default: 'none (the `LOCKSTEP_WEBHOOK_URL` environment variable, when set)',
    example: 'https://alerts.example.com/lockstep',
    fix: (got) =>
      typeof got === 'string' && !/^https?:\/\//.test(got)
        ? `write the whole URL with its scheme, e.g. \`https://${got}\`.`
        : 'e.g. `https://alerts.example.com/lockstep`, or `{ env: LOCKSTEP_WEBHOOK_URL }`.',
  },
);

const AlertsSchema = documented(
  z.strictObject({
    webhook: WebhookSchema.optional(),
  }),
  {
    description: 'Where the console sends its alerts besides its own event log.',
    expected: 'a mapping with webhook',
    default: 'none',
    example: '{ webhook: https://alerts.example.com/lockstep }',
  },
);

/** The schema of the file as written. Unknown fields are errors everywhere. */
export const SiteFileSchema = documented(
  z.strictObject({
    name: documented(z.string().regex(PAIR_NAME), {
      description: 'The pair name; also the Corosync cluster name.',
      expected:
        'a name of 1–32 lowercase letters, digits and hyphens that starts and ends with a letter or digit',
      example: 'pair1',
      fix: (got) => `e.g. \`${typeof got === 'string' ? suggestPairName(got) : 'pair1'}\`.`,
    }),
    nodes: NodesSchema,
    ssh: SshSchema.optional(),
    hypervisor: documented(z.enum(['kvm', 'xen']), {
      description:
        'The hypervisor profile: `kvm` (QEMU + libvirt) or `xen` (Xen + xl; the installer reboots into dom0).',
      expected: '`kvm` or `xen`',
      default: `\`${SITE_DEFAULTS.hypervisor}\``,
      example: 'kvm',
    }).optional(),
    network: NetworkSchema.optional(),
    storage: StorageSchema.optional(),
    quorum: QuorumSchema.optional(),
    fencing: FencingSchema.optional(),
    packages: PackagesSchema.optional(),
    availability: AvailabilitySchema.optional(),
    alerts: AlertsSchema.optional(),
  }),
  {
    description: 'A Lockstep site file: one pair of servers and how to install it.',
    expected: 'a mapping with at least `name:` and `nodes:`',
    fix: 'start from the smallest site file:\n  name: pair1\n  nodes:\n    - address: 10.0.0.11\n    - address: 10.0.0.12',
  },
);

/** A site file as written, after validation. */
export type SiteFile = z.output<typeof SiteFileSchema>;
/** What a form or a YAML document may hold before validation. */
export type SiteFileInput = z.input<typeof SiteFileSchema>;

// ---------------------------------------------------------------------------
// Resolved and concrete shapes

/** How to fetch a BMC password at run time. */
export type PasswordSource = 'prompt' | { readonly env: string };

/** A node's BMC with its defaults applied. */
export interface ResolvedBmc {
  readonly address: string;
  readonly user: string;
  readonly port: number;
  readonly password: PasswordSource;
}

/** A node with its defaults applied; `name` is `'auto'` until probing found the hostname. */
export interface ResolvedNode<A extends Auto = Auto> {
  readonly address: string;
  readonly port: number;
  readonly name: string | A;
  readonly bmc: ResolvedBmc | null;
}

/** One interface per node. */
export interface PerNode<T> {
  readonly a: T;
  readonly b: T;
}

/** A business network bridge. */
export interface BusinessNetwork<A extends Auto = Auto> {
  readonly bridge: string;
  readonly a: string | A;
  readonly b: string | A;
}

/** Consent to wipe one disk, checked against the real disk's model and serial. */
export interface WipeConsent {
  readonly node: NodeKey;
  readonly device: string;
  readonly model: string;
  readonly serial: string;
}

/** The witness of a `quorum: { witness }` site, with its defaults applied. */
export interface ResolvedWitness {
  readonly address: string;
  readonly port: number;
  readonly user: string;
}

/**
 * A site with every default applied. With `A = 'auto'` (the default) values that
 * probing decides may still be `'auto'`; `ConcreteSite` has none left.
 */
export interface ResolvedSite<A extends Auto = Auto> {
  readonly name: string;
  readonly nodes: readonly [ResolvedNode<A>, ResolvedNode<A>];
  readonly ssh: {
    readonly user: string;
    /** Absolute path, or null for ssh-agent / password. */
    readonly identityFile: string | null;
    readonly port: number;
  };
  readonly hypervisor: 'kvm' | 'xen';
  readonly network: {
    readonly management: PerNode<string | A>;
    readonly private: PerNode<string | A> & { readonly subnet: string | A; readonly mtu: number | A };
    readonly business: readonly BusinessNetwork<A>[] | A;
  };
  readonly storage: {
    readonly disks: PerNode<readonly string[] | A>;
    readonly wipe: readonly WipeConsent[];
    readonly volumeGroup: string;
  };
  readonly quorum: 'two_node' | { readonly witness: ResolvedWitness };
  readonly fencing: { readonly mode: 'ipmi' | 'none'; readonly acknowledgeNoFencing: boolean };
  readonly packages: { readonly source: 'mirror' } | { readonly source: 'bundle'; readonly bundle: string };
  readonly availability: { readonly default: 'ha' | 'ft' | 'none' };
  /** Only when the file has an `alerts` section. */
  readonly alerts?: { readonly webhook: WebhookSource | null };
}

/** Where the webhook URL comes from: written in the file, or an environment variable. */
export type WebhookSource = { readonly url: string } | { readonly env: string };

/** A site with nothing left to probe: what recipes and checks consume. */
export type ConcreteSite = ResolvedSite<never>;

/** What probing found for the `'auto'` fields (see `applyDiscovered`). */
export interface DiscoveredSite {
  readonly nodeNames: PerNode<string>;
  readonly management: PerNode<string>;
  readonly private: PerNode<string> & { readonly subnet: string; readonly mtu: number };
  readonly business: readonly BusinessNetwork<never>[];
  readonly disks: PerNode<readonly string[]>;
}

// ---------------------------------------------------------------------------
// Problems: one shape for the loader (with positions) and for forms (without)

/** A path into the site file: `['nodes', 1, 'address']`. */
export type SitePath = readonly (string | number)[];

/** One problem with a site file or a form field, in words a user can act on. */
export interface SiteProblem {
  readonly path: SitePath;
  /** `nodes[1].address`; empty for the whole file. */
  readonly field: string;
  /** What is wrong: usually "expected X, got Y". */
  readonly message: string;
  readonly expected: string;
  readonly got: string;
  readonly fix: string;
  /** Another place the problem involves (the first of two duplicate addresses). */
  readonly related?: SitePath;
}

/** `['nodes', 1, 'address']` → `nodes[1].address`. */
export function fieldName(path: SitePath): string {
  return path.reduce<string>(
    (text, segment) =>
      typeof segment === 'number' ? `${text}[${segment}]` : text === '' ? segment : `${text}.${segment}`,
    '',
  );
}

/** `nodes.1.address` or `nodes[1].address` → `['nodes', 1, 'address']`. */
export function parseFieldName(field: string): SitePath {
  return field
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((segment) => segment !== '')
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/** The text of a problem without a position: what a form shows under the field. */
export function problemText(problem: SiteProblem): string {
  const fix = /[.!?:`]$/.test(problem.fix) ? problem.fix : `${problem.fix}.`;
  const message = /[.!?]$/.test(problem.message) ? problem.message : `${problem.message}.`;
  return `${problem.field === '' ? '' : `${problem.field}: `}${message} Fix: ${fix}`;
}

/** How a value reads in a message: strings quoted, containers by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const SECRET_KEY = /pass(word|wd|phrase)?$|^pass|secret|token|credential/i;

function valueAt(root: unknown, path: SitePath): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodDefault
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** The documentation of a schema node, looking through `.optional()`. */
export function docOf(schema: z.ZodType): SiteFieldDoc | undefined {
  return siteFieldDocs.get(schema) ?? siteFieldDocs.get(unwrap(schema));
}

/** One step down a schema: an object's field, an array's element, a union's matching option. */
function child(schema: z.ZodType, segment: string | number): z.ZodType | undefined {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    return typeof segment === 'string' ? (inner.shape as Record<string, z.ZodType>)[segment] : undefined;
  }
  if (inner instanceof z.ZodArray)
    return typeof segment === 'number' ? (inner.element as z.ZodType) : undefined;
  if (inner instanceof z.ZodUnion) {
    for (const option of inner.options as readonly z.ZodType[]) {
      const found = child(option, segment);
      if (found) return found;
    }
  }
  return undefined;
}

/** The schema of one field (`['nodes', 0, 'address']`), or undefined when the format has no such field. */
export function siteFieldSchema(path: SitePath): z.ZodType | undefined {
  let schema: z.ZodType | undefined = SiteFileSchema;
  for (const segment of path) {
    if (!schema) return undefined;
    schema = child(schema, segment);
  }
  return schema;
}

/** The field names an object accepts at `path` (for "did you mean"). */
function knownKeys(path: SitePath): string[] {
  const schema = siteFieldSchema(path);
  if (!schema) return [];
  const inner = unwrap(schema);
  const objects = inner instanceof z.ZodUnion ? (inner.options as readonly z.ZodType[]) : [inner];
  return objects.flatMap((option) => {
    const candidate = unwrap(option);
    return candidate instanceof z.ZodObject ? Object.keys(candidate.shape) : [];
  });
}

function editDistance(left: string, right: string): number {
  const previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i += 1) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= right.length; j += 1) {
      const above = previous[j] ?? 0;
      const cost = left[i - 1] === right[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[right.length] ?? 0;
}

/** The closest known name to a misspelt one, when one is close enough to be a likely typo. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = name.toLowerCase() === lower ? 0 : editDistance(lower, name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(2, Math.floor(word.length / 3)) ? best.name : undefined;
}

function secretFix(path: SitePath): string {
  if (path.includes('bmc')) {
    const node = path[1] === 1 ? 'b' : 'a';
    return `remove it; write \`password: { env: ${defaultBmcPasswordEnv(node)} }\` and export that variable, or \`password: prompt\`.`;
  }
  if (path[0] === 'ssh') {
    return 'remove it; Lockstep reads the SSH password from LOCKSTEP_SSH_PASSWORD, the sudo password from LOCKSTEP_SUDO_PASSWORD, or asks on a terminal; a key passphrase is asked for or comes from ssh-agent.';
  }
  return 'remove it; secrets come from environment variables or a prompt, never from the site file.';
}

function secretProblem(path: SitePath): SiteProblem {
  return {
    path,
    field: fieldName(path),
    message:
      'a password or other secret in the site file is refused: the file is meant to be shared and kept in git',
    expected: 'no secret values in the file',
    got: 'a secret value (not shown)',
    fix: secretFix(path),
  };
}

function fixFor(doc: SiteFieldDoc | undefined, got: unknown, path: SitePath): string {
  if (doc?.fix !== undefined) return typeof doc.fix === 'function' ? doc.fix(got) : doc.fix;
  const key = [...path].reverse().find((segment): segment is string => typeof segment === 'string');
  if (doc?.example !== undefined)
    return key ? `for example \`${key}: ${doc.example}\`.` : `for example \`${doc.example}\`.`;
  return 'see docs/site-file.md for what this field accepts.';
}

function valueProblem(path: SitePath, root: unknown): SiteProblem {
  const schema = siteFieldSchema(path);
  const doc = schema ? docOf(schema) : undefined;
  const got = valueAt(root, path);
  const expected = doc?.expected ?? 'a valid value';
  if (doc?.secret && typeof got === 'string' && got !== 'prompt') return secretProblem(path);
  const missing = got === undefined;
  return {
    path,
    field: fieldName(path),
    message: missing ? `missing; expected ${expected}` : `expected ${expected}, got ${describeValue(got)}`,
    expected,
    got: describeValue(got),
    fix: fixFor(doc, got, path),
  };
}

function unknownKeyProblem(objectPath: SitePath, key: string): SiteProblem {
  const path = [...objectPath, key];
  if (SECRET_KEY.test(key)) return secretProblem(path);
  const known = knownKeys(objectPath);
  const suggestion = closestMatch(key, known);
  const expected = known.length > 0 ? `one of ${known.join(', ')}` : 'no fields here';
  return {
    path,
    field: fieldName(path),
    message: suggestion ? `unknown field — did you mean \`${suggestion}\`?` : 'unknown field',
    expected,
    got: JSON.stringify(key),
    fix: suggestion
      ? `rename \`${key}\` to \`${suggestion}\`.`
      : `remove it; ${objectPath.length === 0 ? 'the file' : fieldName(objectPath)} accepts ${known.join(', ')}.`,
  };
}

function isTypeMismatch(issue: z.core.$ZodIssue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
}

/** Turns zod issues into problems; `base` is where the validated value sits in the file. */
function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  base: SitePath,
): SiteProblem[] {
  const problems: SiteProblem[] = [];
  for (const issue of issues) {
    const path = [...base, ...(issue.path as (string | number)[])];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) problems.push(unknownKeyProblem(path, key));
        break;
      case 'invalid_union': {
        // Report the option whose shape matches what was written (a mapping vs `auto`).
        const matching = issue.errors.filter((branch) => !branch.some(isTypeMismatch));
        const only = matching.length === 1 ? matching[0] : undefined;
        if (only) problems.push(...problemsFromIssues(only, root, path));
        else problems.push(valueProblem(path, root));
        break;
      }
      default:
        problems.push(valueProblem(path, root));
    }
  }
  return dropShadowedMissing(problems);
}

/** A misspelt key also makes the real one "missing": report only the misspelling. */
function dropShadowedMissing(problems: SiteProblem[]): SiteProblem[] {
  const renamed = new Set(
    problems.flatMap((problem) => {
      const match = /did you mean `([^`]+)`/.exec(problem.message);
      return match ? [fieldName([...problem.path.slice(0, -1), match[1] ?? ''])] : [];
    }),
  );
  return problems.filter((problem) => !(problem.message.startsWith('missing') && renamed.has(problem.field)));
}

/** Finds secret-looking keys anywhere (also where the format would reject the whole branch). */
function secretProblems(value: unknown, path: SitePath = []): SiteProblem[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => secretProblems(item, [...path, index]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => {
    const here = [...path, key];
    const allowed =
      key === 'password' &&
      path.at(-1) === 'bmc' &&
      (item === 'prompt' || (typeof item === 'object' && item !== null));
    if (SECRET_KEY.test(key) && !allowed) return [secretProblem(here)];
    return secretProblems(item, here);
  });
}

function section<T extends z.ZodType>(schema: T, value: unknown): z.output<T> | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

/**
 * Rules that span fields. Each looks only at the sections it needs, so a typo
 * elsewhere does not hide these problems.
 */
function crossFieldProblems(raw: unknown): SiteProblem[] {
  const problems: SiteProblem[] = [];
  const root = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const nodes = section(NodesSchema, root.nodes);
  const ssh = section(SshSchema.optional(), root.ssh);
  const sshPort = ssh?.port ?? SITE_DEFAULTS.sshPort;
  const count = nodeCountProblem(root.nodes);
  if (count) problems.push(count);

  if (nodes) {
    const [first, second] = nodes;
    if (first && second && nodes.length === 2) {
      const firstPort = first.port ?? sshPort;
      const secondPort = second.port ?? sshPort;
      if (first.address.toLowerCase() === second.address.toLowerCase() && firstPort === secondPort) {
        problems.push({
          path: ['nodes', 1, 'address'],
          field: 'nodes[1].address',
          message: `expected a second server, got ${JSON.stringify(second.address)} port ${secondPort} again, the same as nodes[0].address`,
          expected: 'an address (or port) different from nodes[0]',
          got: JSON.stringify(second.address),
          fix: "write the other server's address; two servers on one host need different `port:` values.",
          related: ['nodes', 0, 'address'],
        });
      }
      if (
        first.name &&
        second.name &&
        first.name !== AUTO &&
        first.name.toLowerCase() === second.name?.toLowerCase()
      ) {
        problems.push({
          path: ['nodes', 1, 'name'],
          field: 'nodes[1].name',
          message: `expected a name different from nodes[0].name, got ${JSON.stringify(second.name)} again`,
          expected: 'a name different from nodes[0].name',
          got: JSON.stringify(second.name),
          fix: 'give each node its own name, or `auto`.',
          related: ['nodes', 0, 'name'],
        });
      }
    }
  }

  const fencing = section(FencingSchema.optional(), root.fencing);
  if (fencing?.mode === 'none' && fencing.acknowledgeNoFencing !== true) {
    problems.push({
      path: ['fencing', 'mode'],
      field: 'fencing.mode',
      message: 'expected `acknowledgeNoFencing: true` with `mode: none`, got no acknowledgement',
      expected: '`acknowledgeNoFencing: true` next to `mode: none`',
      got: describeValue(fencing.acknowledgeNoFencing),
      fix: 'without fencing a split brain can corrupt data; give both nodes a `bmc:` and use `mode: ipmi`, or add `acknowledgeNoFencing: true` to accept the risk.',
    });
  }
  if (nodes && fencing?.mode !== 'none') {
    const withBmc = nodes.map((node) => node.bmc !== undefined);
    const explicitIpmi = fencing?.mode === 'ipmi';
    if (explicitIpmi || withBmc.some(Boolean)) {
      nodes.forEach((_node, index) => {
        if (withBmc[index]) return;
        problems.push({
          path: ['nodes', index],
          field: `nodes[${index}].bmc`,
          message: explicitIpmi
            ? 'missing; `fencing.mode: ipmi` needs a BMC on both nodes'
            : 'missing; the other node has a BMC, and fencing needs one on both',
          expected: 'a mapping with address, user and password',
          got: 'nothing',
          fix: `add \`bmc: { address: …, user: …, password: { env: ${defaultBmcPasswordEnv(NODE_KEYS[index] ?? 'a')} } }\` to this node, or set \`fencing: { mode: none, acknowledgeNoFencing: true }\`.`,
        });
      });
    }
  }

  const packages = section(PackagesSchema.optional(), root.packages);
  if (packages?.source === 'bundle' && packages.bundle === undefined) {
    problems.push({
      path: ['packages', 'source'],
      field: 'packages.bundle',
      message: 'missing; `source: bundle` needs the bundle folder',
      expected: 'a folder path',
      got: 'nothing',
      fix: 'add `bundle: ./bundle` (the folder `lockstep bundle build --out` wrote), or use `source: mirror`.',
    });
  }
  if (packages?.source === 'mirror' && packages.bundle !== undefined) {
    problems.push({
      path: ['packages', 'bundle'],
      field: 'packages.bundle',
      message: 'expected no bundle with `source: mirror`, got a bundle folder',
      expected: 'no `bundle:` with `source: mirror`',
      got: JSON.stringify(packages.bundle),
      fix: 'remove `bundle:`, or set `source: bundle`.',
    });
  }

  const storage = section(StorageSchema.optional(), root.storage);
  if (storage?.wipe && storage.disks && storage.disks !== AUTO) {
    storage.wipe.forEach((consent, index) => {
      const disks = storage.disks === AUTO ? undefined : storage.disks;
      const list = disks?.[consent.node];
      if (list === undefined || list === AUTO || list.includes(consent.device)) return;
      problems.push({
        path: ['storage', 'wipe', index, 'device'],
        field: `storage.wipe[${index}].device`,
        message: `expected one of storage.disks.${consent.node}, got ${JSON.stringify(consent.device)}`,
        expected: `a disk listed in storage.disks.${consent.node}`,
        got: JSON.stringify(consent.device),
        fix: `add it to storage.disks.${consent.node}, or remove this wipe entry.`,
      });
    });
  }

  const network = section(NetworkSchema.optional(), root.network);
  if (network && network !== AUTO) {
    for (const node of NODE_KEYS) {
      const seen = new Map<string, string>();
      const uses: [string, string | undefined][] = [
        ['management', network.management === AUTO ? undefined : network.management?.[node]],
        ['private', network.private === AUTO ? undefined : network.private?.[node]],
      ];
      for (const [role, nic] of uses) {
        if (nic === undefined || nic === AUTO) continue;
        const other = seen.get(nic);
        if (other) {
          problems.push({
            path: ['network', role, node],
            field: `network.${role}.${node}`,
            message: `expected an interface other than network.${other}.${node}, got ${JSON.stringify(nic)} for both`,
            expected: `an interface not used by network.${other}.${node}`,
            got: JSON.stringify(nic),
            fix: 'the private link needs its own directly cabled interface; pick another one, or `auto`.',
            related: ['network', other, node],
          });
        }
        seen.set(nic, role);
      }
    }
  }
  return problems;
}

/** The outcome of validating a whole site (a form or a parsed file). */
export type SiteValidation =
  | { readonly ok: true; readonly site: SiteFile }
  | { readonly ok: false; readonly problems: readonly SiteProblem[] };

/**
 * Validates a whole site: the schema plus the rules that span fields. The loader adds
 * file positions; a form shows `problemText` under each field.
 */
export function validateSite(value: unknown): SiteValidation {
  const secrets = secretProblems(value);
  const secretFields = new Set(secrets.map((problem) => problem.field));
  const result = SiteFileSchema.safeParse(value);
  const schemaProblems = result.success ? [] : problemsFromIssues(result.error.issues, value, []);
  const problems = [
    ...secrets,
    ...schemaProblems.filter((problem) => !secretFields.has(problem.field)),
    ...crossFieldProblems(value),
  ];
  if (problems.length === 0 && result.success) return { ok: true, site: result.data };
  return { ok: false, problems };
}

/**
 * Validates one form field, by the same rules and with the same words as the loader:
 * `validateSiteField('nodes.0.address', '10.0.0.300')`. Returns no problems when valid.
 */
export function validateSiteField(field: string, value: unknown): readonly SiteProblem[] {
  const path = parseFieldName(field);
  const schema = siteFieldSchema(path);
  if (!schema) {
    const parent = path.slice(0, -1);
    const last = path[path.length - 1];
    return [unknownKeyProblem(parent, String(last ?? field))];
  }
  const root = path.reduceRight<unknown>((inner, segment) => {
    if (typeof segment === 'number') {
      const list: unknown[] = [];
      list[segment] = inner;
      return list;
    }
    return { [segment]: inner };
  }, value);
  const secrets = secretProblems(value, path);
  if (secrets.length > 0) return secrets;
  const result = schema.safeParse(value);
  const problems = result.success ? [] : problemsFromIssues(result.error.issues, root, path);
  const count = path.length === 1 && path[0] === 'nodes' ? nodeCountProblem(value) : undefined;
  return count ? [...problems, count] : problems;
}
