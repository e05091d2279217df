import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ErrorInfo } from '../../../provisioning/api/errors';
import type { Finding, Severity } from '../../../provisioning/api/finding';
import {
  InventorySchema,
  ProbeReportSchema,
  type Disk,
  type FactError,
  type Inventory,
  type Nic,
} from '../../../provisioning/api/inventory';
import type { NodeKey, ResolvedSite } from '../../../provisioning/api/site';
import { extraFacts, type NodeExtras } from '../../../provisioning/checks/extras';
import type { Check, CheckContext, NodeState } from '../../../provisioning/checks/types';
import { pairNics, type WireObservation } from '../../../provisioning/network/pairing';
import {
  parseLinkState,
  parseNeighbourMacs,
  parsePing,
  parsePriorState,
} from '../../../provisioning/network/wire-parse';
import type { LinkMeasurement, WireProbeResult } from '../../../provisioning/network/wire-probe';
import { parseSiteText } from '../../../provisioning/site/load';
import { resolveSite } from '../../../provisioning/site/resolve';
import { qemuInventory } from '../facts/sample-inventories';

/**
 * Check contexts made of real captures (fixtures/PROVENANCE.md and
 * ../network/fixtures/PROVENANCE.md). Warn and fail cases change ONE field of a real
 * capture with the typed `with…` helpers below; nothing here writes an inventory by hand.
 */

const here = dirname(fileURLToPath(import.meta.url));
const read = (path: string): string => readFileSync(join(here, 'fixtures', path), 'utf8');
const readWire = (path: string): string =>
  readFileSync(join(here, '..', 'network', 'fixtures', path), 'utf8');

export const LAB = { a: '10.211.0.11', b: '10.211.0.12' } as const;

/** The lab pair as `lockstep probe --json` saw it. */
export function labInventory(key: NodeKey): Inventory {
  const report = ProbeReportSchema.parse(JSON.parse(read('inventories/lab-probe.json')));
  const inventory = report.nodes[key === 'a' ? 0 : 1]?.inventory;
  if (!inventory) throw new Error(`no inventory for lab node ${key}`);
  return inventory;
}

/** The development machine (a KVM guest running docker), through the product's parsers. */
export function devMachineInventory(): Inventory {
  return InventorySchema.parse(JSON.parse(read('inventories/dev-machine.json')));
}

/** The QEMU guest with NVMe/SATA/LVM/RAID disks (facts fixtures; os/host/time/packages were not captured there). */
export function vmInventory(): Inventory {
  return qemuInventory();
}

/** The validation facts of a captured target (`lab-a`, `lab-b`, `dev-machine`), through their parsers. */
export function capturedExtras(target: 'lab-a' | 'lab-b' | 'dev-machine'): Required<NodeExtras> {
  const [session, drbd, qemu, packageSource, conflicts] = extraFacts.map((fact) =>
    fact.parse(read(`extras/${fact.id}/${target}.txt`), { code: 0, stderr: '' }),
  );
  return { session, drbd, qemu, packageSource, conflicts } as Required<NodeExtras>;
}

/** The lab's site file (fixtures/sites/lab.yaml) with `extra` YAML appended. */
export function labSite(extra = ''): ResolvedSite {
  return siteFromText(`${read('sites/lab.yaml')}${extra}`);
}

/** The lab's site file with each node's line rewritten by `node` (e.g. to add a BMC), plus `extra`. */
export function labSiteWithNodes(node: (address: string) => string, extra = ''): ResolvedSite {
  const text = read('sites/lab.yaml').replace(/^ {2}- address: (\S+)$/gm, (_line, address: string) =>
    node(address),
  );
  return siteFromText(`${text}${extra}`);
}

function siteFromText(text: string): ResolvedSite {
  const file = parseSiteText(text, { file: 'site.yaml', baseDir: here });
  return resolveSite(file, { baseDir: here });
}

/** A connection error as `lockstep probe --json` reported it in the lab. */
export function capturedConnectError(
  kind: 'unreachable' | 'auth-failed' | 'host-key-unknown' | 'host-key-mismatch',
): { host: string; error: ErrorInfo } {
  const report = ProbeReportSchema.parse(JSON.parse(read(`ssh-errors/probe-${kind}.json`)));
  const failed = report.nodes.find((node) => node.error);
  if (!failed?.error) throw new Error(`no error in probe-${kind}.json`);
  return { host: failed.host, error: failed.error as ErrorInfo };
}

/** Clock offsets measured as provisioning/validation/clock.ts does (fixtures/clock/lab.json). */
export function labClockOffsets(): Record<NodeKey, number> {
  const raw = JSON.parse(read('clock/lab.json')) as Record<
    NodeKey,
    { sentAt: number; receivedAt: number; stdout: string }
  >;
  const offset = ({ sentAt, receivedAt, stdout }: { sentAt: number; receivedAt: number; stdout: string }) =>
    Number(BigInt(stdout.trim()) / 1_000_000n) - (sentAt + (receivedAt - sentAt) / 2);
  return { a: offset(raw.a), b: offset(raw.b) };
}

/** The lab nodes as `gather` would hand them to the checks. */
export function labNodes(): [NodeState, NodeState] {
  const clock = labClockOffsets();
  const node = (key: NodeKey): NodeState => {
    const extras = capturedExtras(key === 'a' ? 'lab-a' : 'lab-b');
    return {
      key,
      label: LAB[key],
      inventory: labInventory(key),
      extras,
      clockOffsetMs: clock[key],
      ...(extras.session && { sessionAddress: extras.session.serverAddress }),
    };
  };
  return [node('a'), node('b')];
}

/**
 * The wire probe's result in the lab, assembled from its captured outputs the way
 * `probeWire` assembles it. The carrier test was not run (it takes a NIC down), so the
 * private link is the lab's own private cable (a:enp3s0 ↔ b:enp2s0, its state.json)
 * with `carrierConfirmed: null`.
 */
export function labWire(): WireProbeResult {
  const candidates = ['enp2s0', 'enp3s0'];
  const observe = (key: NodeKey): WireObservation[] =>
    candidates.map((nic) => ({
      nic,
      mac: nicOf(labInventory(key), nic).mac ?? '',
      neighbours: parseNeighbourMacs(readWire(`neigh-${key}-${nic}.json`)),
      speedMbps: parseLinkState(readWire(`link-state-${key}-${nic}.txt`)).speedMbps,
    }));
  const pairs = pairNics(observe('a'), observe('b'));
  const cable = pairs.find((pair) => pair.a === 'enp3s0' && pair.b === 'enp2s0');
  if (!cable) throw new Error('the lab cable a:enp3s0 ↔ b:enp2s0 was not paired');
  const states = (key: NodeKey) =>
    new Map(candidates.map((nic) => [nic, parseLinkState(readWire(`link-state-${key}-${nic}.txt`)).carrier]));
  const prior = (key: NodeKey) =>
    new Map(candidates.map((nic) => [nic, parsePriorState(readWire(`prior-${key}-${nic}.txt`)).wasUp]));
  const latency = parsePing(readWire('ping-latency-a-enp3s0.txt'));
  const mtuPing = parsePing(readWire('ping-mtu-1500-pass.txt'));
  const measurement: LinkMeasurement = {
    a: parseLinkState(readWire('link-state-a-enp3s0.txt')),
    b: parseLinkState(readWire('link-state-b-enp2s0.txt')),
    latency,
    mtuProbe: { mtu: 1500, passed: mtuPing.received > 0 },
  };
  return {
    observations: { a: observe('a'), b: observe('b') },
    pairs,
    privateLink: { ...cable, carrierConfirmed: null },
    measurement,
    carriers: { a: states('a'), b: states('b') },
    before: { a: prior('a'), b: prior('b') },
  };
}

/** The whole lab context: site, both nodes, the wire. */
export function labContext(overrides: Partial<CheckContext> = {}): CheckContext {
  return { site: labSite(), nodes: labNodes(), wire: labWire(), ...overrides };
}

// ---------------------------------------------------------------------------
// One-field variants

export function nicOf(inventory: Inventory, name: string): Nic {
  const nics = inventory.nics;
  const nic = Array.isArray(nics) ? nics.find((candidate) => candidate.name === name) : undefined;
  if (!nic) throw new Error(`no NIC ${name}`);
  return nic;
}

/** Replaces one section of an inventory. */
export function withSection<K extends keyof Inventory>(
  inventory: Inventory,
  key: K,
  value: Inventory[K],
): Inventory {
  return { ...inventory, [key]: value };
}

/** A section the server could not read, as the fact runner reports it. */
export function factError(fact: string, error: string, code = 1): FactError {
  return { fact, error, code };
}

function section<K extends 'host' | 'os' | 'cpu' | 'virtualization' | 'memory' | 'time'>(
  inventory: Inventory,
  key: K,
): Exclude<Inventory[K], FactError> {
  const value = inventory[key];
  if ('error' in value && 'fact' in value) throw new Error(`${key} is a fact error in this inventory`);
  return value as Exclude<Inventory[K], FactError>;
}

export const withMemory = (inventory: Inventory, totalBytes: number): Inventory =>
  withSection(inventory, 'memory', { ...section(inventory, 'memory'), totalBytes });
export const withHostname = (inventory: Inventory, hostname: string): Inventory =>
  withSection(inventory, 'host', { ...section(inventory, 'host'), hostname });
export const withArchitecture = (inventory: Inventory, architecture: string): Inventory =>
  withSection(inventory, 'host', { ...section(inventory, 'host'), architecture });
export const withOsVersion = (
  inventory: Inventory,
  versionId: string | null,
  prettyName: string,
): Inventory => withSection(inventory, 'os', { ...section(inventory, 'os'), versionId, prettyName });
export const withCpuVirtualization = (
  inventory: Inventory,
  virtualization: 'vmx' | 'svm' | null,
): Inventory => withSection(inventory, 'cpu', { ...section(inventory, 'cpu'), virtualization });
export const withCpuModel = (inventory: Inventory, model: string): Inventory =>
  withSection(inventory, 'cpu', { ...section(inventory, 'cpu'), model });
export const withCpuFlags = (inventory: Inventory, flags: readonly string[]): Inventory =>
  withSection(inventory, 'cpu', { ...section(inventory, 'cpu'), flags: [...flags] });
export const withBareMetal = (inventory: Inventory): Inventory =>
  withSection(inventory, 'virtualization', { vm: null, container: null, hypervisorVendor: null });
export const withTimeSync = (
  inventory: Inventory,
  synchronized: boolean | null,
  ntpEnabled: boolean | null,
): Inventory => withSection(inventory, 'time', { ...section(inventory, 'time'), synchronized, ntpEnabled });
export const withDisks = (inventory: Inventory, disks: readonly Disk[]): Inventory =>
  withSection(inventory, 'disks', [...disks]);
export const withNics = (inventory: Inventory, nics: readonly Nic[]): Inventory =>
  withSection(inventory, 'nics', [...nics]);

/** The disks of an inventory (which must have been read). */
export function disksOf(inventory: Inventory): Disk[] {
  if (!Array.isArray(inventory.disks)) throw new Error('disks are a fact error in this inventory');
  return inventory.disks;
}

/** One disk resized, everything else as captured. */
export function withDiskSize(inventory: Inventory, name: string, sizeBytes: number): Inventory {
  return withDisks(
    inventory,
    disksOf(inventory).map((disk) => (disk.name === name ? { ...disk, sizeBytes } : disk)),
  );
}

/** A package marked installed (as dpkg would list it), everything else as captured. */
export function withPackageInstalled(inventory: Inventory, name: string, version: string): Inventory {
  const packages = Array.isArray(inventory.packages) ? inventory.packages : [];
  return withSection(inventory, 'packages', [
    ...packages.filter((entry) => entry.name !== name),
    { name, version, status: 'ii', installed: true },
  ]);
}

/** Replaces one node's state fields (e.g. `inventory`, `extras`). */
export function withNode(context: CheckContext, key: NodeKey, patch: Partial<NodeState>): CheckContext {
  const nodes = context.nodes.map((node) => (node.key === key ? { ...node, ...patch } : node)) as [
    NodeState,
    NodeState,
  ];
  return { ...context, nodes };
}

/** Changes a node's inventory through one of the `with…` helpers. */
export function mapInventory(
  context: CheckContext,
  key: NodeKey,
  change: (inventory: Inventory) => Inventory,
): CheckContext {
  const node = context.nodes.find((candidate) => candidate.key === key);
  if (!node?.inventory) throw new Error(`node ${key} has no inventory`);
  return withNode(context, key, { inventory: change(node.inventory) });
}

/** Changes one field of a node's validation facts. */
export function withExtra<K extends keyof NodeExtras>(
  context: CheckContext,
  key: NodeKey,
  field: K,
  value: NodeExtras[K],
): CheckContext {
  const node = context.nodes.find((candidate) => candidate.key === key);
  if (!node?.extras) throw new Error(`node ${key} has no extras`);
  return withNode(context, key, { extras: { ...node.extras, [field]: value } });
}

/** Changes the wire's measurement. */
export function withMeasurement(wire: WireProbeResult, patch: Partial<LinkMeasurement>): WireProbeResult {
  if (!wire.measurement) throw new Error('the wire has no measurement');
  return { ...wire, measurement: { ...wire.measurement, ...patch } };
}

/** Changes one end's link state. */
export function withLinkState(
  wire: WireProbeResult,
  end: NodeKey,
  patch: Partial<LinkMeasurement['a']>,
): WireProbeResult {
  if (!wire.measurement) throw new Error('the wire has no measurement');
  return withMeasurement(wire, { [end]: { ...wire.measurement[end], ...patch } });
}

/** A captured wire output, for tests that feed another capture into a measurement. */
export const wireCapture = readWire;

// ---------------------------------------------------------------------------
// Running and asserting

/** Runs one check (when applicable) on a context. */
export function run(check: Check, context: CheckContext): readonly Finding[] {
  return check.applicable(context) ? check.run(context) : [];
}

/** Asserts exactly one finding, with what a user sees: id, severity, node and key words. */
export function expectOne(
  findings: readonly Finding[],
  expected: {
    id: string;
    severity: Severity;
    node?: string | undefined;
    words: readonly (string | RegExp)[];
  },
): Finding {
  expect(findings).toHaveLength(1);
  const [only] = findings;
  return expectFinding(only, expected);
}

/** Asserts one finding's id, severity, node and key words of its message. */
export function expectFinding(
  finding: Finding | undefined,
  expected: {
    id: string;
    severity: Severity;
    node?: string | undefined;
    words: readonly (string | RegExp)[];
  },
): Finding {
  expect(finding).toBeDefined();
  const actual = finding!;
  expect(actual.id).toBe(expected.id);
  expect(actual.severity, actual.message).toBe(expected.severity);
  expect(actual.node).toBe(expected.node);
  for (const word of expected.words) {
    if (typeof word === 'string') expect(actual.message).toContain(word);
    else expect(actual.message).toMatch(word);
  }
  expect(actual.remedy.length).toBeGreaterThan(0);
  return actual;
}

/** The findings of a node, for checks that judge each node. */
export function forNode(findings: readonly Finding[], node: string): Finding[] {
  return findings.filter((finding) => finding.node === node);
}
