import type { Nic } from '../api/inventory';
import type { Transport } from '../ssh/types';
import { privateLinkCandidates } from './candidates';
import { runFramed } from './framed';
import { pairNics, type WireObservation, type WirePair } from './pairing';
import {
  parseLinkState,
  parseNeighbourMacs,
  parsePing,
  parsePriorState,
  type LinkState,
  type PingSummary,
} from './wire-parse';
import {
  announceScript,
  carrierScript,
  latencyScript,
  linkStateScript,
  mtuScript,
  neighboursScript,
  prepareScript,
  restoreScript,
  setLinkScript,
  settleScript,
} from './wire-scripts';

/**
 * Finds the NIC pair cabled directly between the two servers by probing the wire, the
 * everRun way, and measures it. Candidate NICs are brought up with IPv6 link-local
 * only (no address is ever assigned), each end announces itself, and what answers is
 * compared; the winner is confirmed by the carrier test (take one end down: a cable
 * drops the other end's carrier, a switch does not). Everything the probe changed is
 * put back in a `finally`, even when it fails or is cancelled.
 */
export interface WireNode {
  readonly label: string;
  readonly transport: Transport;
  readonly nics: readonly Nic[];
  readonly managementNic: string | null;
}

export interface LinkMeasurement {
  readonly a: LinkState;
  readonly b: LinkState;
  readonly latency: PingSummary | null;
  /** The full-size unfragmented packet test, at the smaller of the two MTUs. */
  readonly mtuProbe: { readonly mtu: number; readonly passed: boolean } | null;
}

export interface WireProbeResult {
  readonly observations: { readonly a: readonly WireObservation[]; readonly b: readonly WireObservation[] };
  readonly pairs: readonly WirePair[];
  readonly privateLink: (WirePair & { readonly carrierConfirmed: boolean | null }) | null;
  readonly measurement: LinkMeasurement | null;
  /** Pairs that each look like a cable but could not be told apart by the carrier test. */
  readonly ambiguous?: readonly WirePair[];
  /** Carrier of every candidate NIC once raised: no carrier means no cable (or a dead far end). */
  readonly carriers: {
    readonly a: ReadonlyMap<string, boolean | null>;
    readonly b: ReadonlyMap<string, boolean | null>;
  };
  /** Link states of every candidate NIC before the probe touched it (for link-down findings). */
  readonly before: { readonly a: ReadonlyMap<string, boolean>; readonly b: ReadonlyMap<string, boolean> };
}

export interface WireProbeOptions {
  readonly signal?: AbortSignal;
  /** Prefer this pair when it is among the direct pairs (the site file's choice). */
  readonly preferred?: { readonly a: string; readonly b: string };
}

type Prior = Map<string, { wasUp: boolean; ipv6WasDisabled: boolean }>;

export async function probeWire(
  a: WireNode,
  b: WireNode,
  options: WireProbeOptions = {},
): Promise<WireProbeResult> {
  const candidatesA = privateLinkCandidates(a.nics, a.managementNic);
  const candidatesB = privateLinkCandidates(b.nics, b.managementNic);
  const exec = { sudo: true, signal: options.signal, timeoutMs: 60_000 } as const;

  const [priorA, priorB] = await Promise.all([prepare(a, candidatesA, exec), prepare(b, candidatesB, exec)]);
  try {
    await Promise.all([settle(a, candidatesA, exec), settle(b, candidatesB, exec)]);
    // Both ends announce at the same time; each then reads who answered.
    await Promise.all([announce(a, candidatesA, exec), announce(b, candidatesB, exec)]);
    const [seenA, seenB] = await Promise.all([observe(a, candidatesA, exec), observe(b, candidatesB, exec)]);
    const observed = pairNics(seenA.observations, seenB.observations);
    const { pairs, chosen, ambiguous } = await chooseByCarrier(a, b, observed, options.preferred, exec);
    const measurement = chosen ? await measure(a, b, chosen, exec) : null;
    return {
      observations: { a: seenA.observations, b: seenB.observations },
      pairs,
      privateLink: chosen ?? null,
      ambiguous,
      measurement,
      carriers: { a: carriersOf(seenA.states), b: carriersOf(seenB.states) },
      before: before(priorA, priorB),
    };
  } finally {
    // Restoring must happen even after a cancel: use no signal here.
    await Promise.allSettled([restore(a, priorA), restore(b, priorB)]);
  }
}

function carriersOf(states: ReadonlyMap<string, LinkState>): Map<string, boolean | null> {
  return new Map([...states].map(([nic, state]) => [nic, state.carrier]));
}

function before(priorA: Prior, priorB: Prior): WireProbeResult['before'] {
  const upMap = (prior: Prior): Map<string, boolean> =>
    new Map([...prior].map(([nic, state]) => [nic, state.wasUp]));
  return { a: upMap(priorA), b: upMap(priorB) };
}

type Exec = { readonly sudo: true; readonly signal?: AbortSignal; readonly timeoutMs: number };

async function prepare(node: WireNode, nics: readonly Nic[], exec: Exec): Promise<Prior> {
  const prior: Prior = new Map();
  if (nics.length === 0) return prior;
  const sections = await runFramed(
    node.transport,
    nics.map((nic, index) => ({ id: `n${index}`, command: prepareScript(nic.name) })),
    exec,
  );
  nics.forEach((nic, index) => {
    const section = sections.get(`n${index}`);
    if (section && section.stdout.trim() !== '') prior.set(nic.name, parsePriorState(section.stdout));
  });
  return prior;
}

async function settle(node: WireNode, nics: readonly Nic[], exec: Exec): Promise<void> {
  if (nics.length === 0) return;
  await node.transport.exec('sh -s', { ...exec, stdin: settleScript(nics.map((nic) => nic.name)) });
}

async function announce(node: WireNode, nics: readonly Nic[], exec: Exec): Promise<void> {
  if (nics.length === 0) return;
  // All NICs announce in parallel inside one command: one round trip, ~1 s.
  const script = nics.map((nic) => `( ${announceScript(nic.name)} ) >/dev/null &`).join('\n') + '\nwait\n';
  await node.transport.exec('sh -s', { ...exec, stdin: script });
}

async function observe(
  node: WireNode,
  nics: readonly Nic[],
  exec: Exec,
): Promise<{ observations: WireObservation[]; states: Map<string, LinkState> }> {
  const states = new Map<string, LinkState>();
  if (nics.length === 0) return { observations: [], states };
  const sections = await runFramed(
    node.transport,
    nics.flatMap((nic, index) => [
      { id: `nb${index}`, command: neighboursScript(nic.name) },
      { id: `st${index}`, command: linkStateScript(nic.name) },
    ]),
    exec,
  );
  const observations = nics.map((nic, index): WireObservation => {
    const state = parseLinkState(sections.get(`st${index}`)?.stdout ?? '');
    states.set(nic.name, state);
    return {
      nic: nic.name,
      mac: nic.mac ?? '',
      neighbours: safeMacs(sections.get(`nb${index}`)?.stdout ?? ''),
      speedMbps: state.speedMbps,
    };
  });
  return { observations, states };
}

function safeMacs(stdout: string): string[] {
  try {
    return parseNeighbourMacs(stdout);
  } catch {
    return [];
  }
}

/**
 * Settles which direct-looking pair is really a cable. Two ports of an otherwise empty
 * switch look exactly like a cable to the neighbour probe, so each candidate (the
 * site file's choice first, then fastest first) gets the carrier test; a pair whose
 * carrier survives the far end going down is a switch and is marked so.
 */
async function chooseByCarrier(
  a: WireNode,
  b: WireNode,
  observed: readonly WirePair[],
  preferred: WireProbeOptions['preferred'],
  exec: Exec,
): Promise<{ pairs: WirePair[]; chosen?: WireProbeResult['privateLink'] & {}; ambiguous: WirePair[] }> {
  const pairs = [...observed];
  const order = pairs
    .map((pair, index) => ({ pair, index }))
    .filter(({ pair }) => pair.direct)
    .sort(
      (left, right) => Number(isPreferred(right.pair, preferred)) - Number(isPreferred(left.pair, preferred)),
    );
  const untested: WirePair[] = [];
  for (const { pair, index } of order) {
    const confirmed = await confirmByCarrier(a, b, pair, exec);
    if (confirmed === true) return { pairs, chosen: { ...pair, carrierConfirmed: true }, ambiguous: [] };
    if (confirmed === null) untested.push(pair);
    else pairs[index] = { ...pair, direct: false };
  }
  const [first] = untested;
  // Several cable-looking pairs that could not be told apart: guessing could bridge
  // the replication traffic onto a switch, so none is chosen (the site file can name it).
  if (!first || (untested.length > 1 && !isPreferred(first, preferred)))
    return { pairs, ambiguous: untested };
  return { pairs, chosen: { ...first, carrierConfirmed: null }, ambiguous: [] };
}

function isPreferred(pair: WirePair, preferred: WireProbeOptions['preferred']): boolean {
  return preferred !== undefined && pair.a === preferred.a && pair.b === preferred.b;
}

/**
 * Takes B's end down and reads A's carrier: it drops on a cable, not behind a switch.
 * Skipped (null) when B's end carries addresses: taking it down could cut traffic.
 */
async function confirmByCarrier(
  a: WireNode,
  b: WireNode,
  pair: WirePair,
  exec: Exec,
): Promise<boolean | null> {
  const nicB = b.nics.find((nic) => nic.name === pair.b);
  if (!nicB || nicB.addresses.some((address) => address.scope !== 'link')) return null;
  const down = await b.transport.exec(setLinkScript(pair.b, 'down'), exec);
  // Not allowed to take the link down (e.g. no CAP_NET_ADMIN): the test cannot be made.
  if (down.code !== 0) return null;
  let carrier: string;
  try {
    carrier = (await a.transport.exec(carrierScript(pair.a), exec)).stdout.trim();
  } finally {
    await b.transport.exec(setLinkScript(pair.b, 'up'), { ...exec, signal: undefined });
  }
  await Promise.all([
    settle(
      a,
      a.nics.filter((nic) => nic.name === pair.a),
      exec,
    ),
    settle(b, [nicB], exec),
  ]);
  return carrier === '0';
}

async function measure(a: WireNode, b: WireNode, pair: WirePair, exec: Exec): Promise<LinkMeasurement> {
  const [stateA, stateB] = await Promise.all([
    a.transport.exec(linkStateScript(pair.a), exec).then((result) => parseLinkState(result.stdout)),
    b.transport.exec(linkStateScript(pair.b), exec).then((result) => parseLinkState(result.stdout)),
  ]);
  if (!stateB.linkLocal) return { a: stateA, b: stateB, latency: null, mtuProbe: null };
  const mtu = Math.min(stateA.mtu ?? 1500, stateB.mtu ?? 1500);
  const sections = await runFramed(
    a.transport,
    [
      { id: 'latency', command: latencyScript(pair.a, stateB.linkLocal) },
      { id: 'mtu', command: mtuScript(pair.a, stateB.linkLocal, mtu) },
    ],
    exec,
  );
  const latency = parsePing(sections.get('latency')?.stdout ?? '');
  const mtuSection = sections.get('mtu');
  const mtuPing = parsePing(mtuSection?.stdout ?? '');
  return {
    a: stateA,
    b: stateB,
    latency: latency.received > 0 ? latency : null,
    mtuProbe: { mtu, passed: mtuSection?.code === 0 && mtuPing.received > 0 },
  };
}

async function restore(node: WireNode, prior: Prior): Promise<void> {
  const parts = [...prior]
    .filter(([, state]) => !state.wasUp || state.ipv6WasDisabled)
    .map(([nic, state], index) => ({
      id: `r${index}`,
      command: restoreScript(nic, state.wasUp, state.ipv6WasDisabled),
    }));
  if (parts.length === 0) return;
  await runFramed(node.transport, parts, { sudo: true, timeoutMs: 60_000 });
}
