import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultKnownHostsPath } from '../util/paths';
import {
  HOST_ADDRESS,
  LAB_NODES,
  LAB_SSH_PORT,
  LAB_WITNESS,
  MANAGEMENT_SUBNET,
  labDir,
  type LabNodeSpec,
} from './constants';
import { newLabCredentials, writeLabCredentials, credentialsPath } from './credentials';
import { takeDown } from './down';
import { takeLease } from './leases';
import { withLabLock } from './lock';
import { readHostKeys } from './host-keys';
import { ensureIdentity, identityPath } from './identity';
import { pinLabHostKeys } from './known-hosts';
import { createNetwork } from './network';
import { mountFreshOverlay, serverDirs } from './overlay';
import { assertLabSupported } from './platform';
import { startContainer, waitForSsh } from './processes';
import { ensureRootCache } from './root-cache';
import { personaliseServerRoot } from './server-root';
import { writeSiteFile } from './site-file';
import { consoleLogPath, writeLabState } from './state';
import { labStatus } from './status';
import type { LabInfo, LabNodeInfo, ProgressReporter } from './types';
import { bringUpWitness } from './witness';

/** Options of `labUp`. */
export interface LabUpOptions {
  /** Lockstep's known_hosts, where the servers' host keys get pinned. */
  readonly knownHostsPath?: string;
  readonly onProgress?: ProgressReporter;
  readonly labDirectory?: string;
  /** Take a lease on the lab for this holder (a test run's pid); see leases.ts. */
  readonly lease?: number;
  /** Also boot the quorum witness (a third container on the management network). */
  readonly witness?: boolean;
}

/** What `labUp` did: `reused` when the lab (and the witness, when asked for) was already up and healthy. */
export interface LabUpResult {
  readonly info: LabInfo;
  readonly reused: boolean;
  readonly elapsedMs: number;
}

function nodeInfo(node: LabNodeSpec): LabNodeInfo {
  return {
    name: node.name,
    hostname: node.hostname,
    address: node.address,
    port: LAB_SSH_PORT,
    netns: node.netns,
    nics: { ...node.nics },
  };
}

/**
 * Pins the host keys the running servers (and the witness, when it is up) hold, read
 * from their root trees (never from the wire). `lab up` does it; a test that re-keyed a
 * server uses it to trust it again.
 */
export function pinRunningLab(
  knownHostsPath: string = defaultKnownHostsPath(),
  labDirectory: string = labDir(),
): boolean {
  const witnessRoot = serverDirs(labDirectory, LAB_WITNESS).root;
  const witnessUp = existsSync(join(witnessRoot, 'etc/ssh/ssh_host_ed25519_key.pub'));
  return pinLabHostKeys(
    knownHostsPath,
    [...LAB_NODES, ...(witnessUp ? [LAB_WITNESS] : [])].map((machine) => ({
      address: machine.address,
      port: LAB_SSH_PORT,
      keys: readHostKeys(serverDirs(labDirectory, machine).root),
    })),
  );
}

/**
 * `lab up`: two fresh Debian servers in containers on this computer, wired as a real
 * pair would be, reachable over SSH with pinned host keys, and their site file; with
 * `witness`, a third container as their quorum witness.
 * Idempotent: a healthy lab is reported as is; a half-built one is cleaned and rebuilt.
 */
export async function labUp(options: LabUpOptions = {}): Promise<LabUpResult> {
  assertLabSupported();
  return withLabLock(
    async () => {
      const started = Date.now();
      const labDirectory = options.labDirectory ?? labDir();
      const knownHostsPath = options.knownHostsPath ?? defaultKnownHostsPath();
      let result = await bringUp(options);
      if (options.witness) {
        const witness = await bringUpWitness(
          labDirectory,
          () => pinRunningLab(knownHostsPath, labDirectory),
          options.onProgress ?? (() => undefined),
        );
        result = {
          info: { ...witness.info, knownHostsPath },
          reused: result.reused && witness.reused,
          elapsedMs: Date.now() - started,
        };
      }
      if (options.lease !== undefined) takeLease(labDirectory, options.lease);
      return result;
    },
    {
      onWait: (pid) => options.onProgress?.(`Waiting for another lab command (pid ${pid}) to finish…`),
    },
  );
}

async function bringUp(options: LabUpOptions): Promise<LabUpResult> {
  const started = Date.now();
  const labDirectory = options.labDirectory ?? labDir();
  const knownHostsPath = options.knownHostsPath ?? defaultKnownHostsPath();
  const say = options.onProgress ?? (() => undefined);

  const current = await labStatus(labDirectory);
  if (current.state === 'running' && current.info) {
    pinRunningLab(knownHostsPath, labDirectory);
    say('The lab is already up and both servers answer SSH.');
    return { info: { ...current.info, knownHostsPath }, reused: true, elapsedMs: Date.now() - started };
  }
  if (current.state !== 'down') {
    say(`Found a half-built lab (${current.leftovers.join(', ') || 'stale state'}); cleaning it up first…`);
    await takeDown({ labDirectory });
  }

  mkdirSync(labDirectory, { recursive: true, mode: 0o700 });
  mkdirSync(dirname(consoleLogPath(labDirectory, 'x')), { recursive: true, mode: 0o700 });
  const lower = await ensureRootCache(say);
  try {
    const rootPublicKey = await ensureIdentity(labDirectory);
    const credentials = newLabCredentials();
    writeLabCredentials(labDirectory, credentials);

    say('Wiring the networks (management, private cable, business)…');
    await createNetwork();

    say('Preparing the servers (fresh overlays, host keys, users)…');
    await Promise.all(
      LAB_NODES.map(async (node) => {
        const dirs = serverDirs(labDirectory, node);
        await mountFreshOverlay(lower, dirs);
        await personaliseServerRoot(dirs.root, node, rootPublicKey, credentials);
      }),
    );

    const info: LabInfo = {
      nodes: LAB_NODES.map(nodeInfo),
      siteFile: writeSiteFile(labDirectory, LAB_NODES, identityPath(labDirectory)),
      identityFile: identityPath(labDirectory),
      knownHostsPath,
      credentialsFile: credentialsPath(labDirectory),
      managementSubnet: MANAGEMENT_SUBNET,
      hostAddress: HOST_ADDRESS,
    };

    say('Booting the servers…');
    const pids = LAB_NODES.map((node) => ({
      node,
      pid: startContainer(
        node,
        serverDirs(labDirectory, node).root,
        consoleLogPath(labDirectory, node.hostname),
      ),
    }));
    writeLabState(labDirectory, {
      version: 1,
      rootCache: lower,
      nodes: pids.map(({ node, pid }) => ({ name: node.name, pid })),
      info,
    });
    await Promise.all(
      pids.map(({ node, pid }) =>
        waitForSsh(node, LAB_SSH_PORT, pid, consoleLogPath(labDirectory, node.hostname)),
      ),
    );
    pinRunningLab(knownHostsPath, labDirectory);
    say(`Both servers answer SSH (${Math.round((Date.now() - started) / 100) / 10} s).`);
    return { info, reused: false, elapsedMs: Date.now() - started };
  } catch (error) {
    say('Building the lab failed; removing what was built (logs stay in the lab dir).');
    await takeDown({ labDirectory }).catch(() => undefined);
    throw error;
  }
}
