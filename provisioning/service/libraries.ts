import type { Endpoint } from '../api/endpoint';
import type { Inventory } from '../api/inventory';
import { readHostKey, type HostKeyInfo } from '../discovery/host-key';
import { scan, type DiscoveryRow as ScanRow } from '../discovery/scan';
import { parseTargets, resolveTargets } from '../discovery/targets';
import { KnownHostsStore } from '../ssh/known-hosts';
import { connect } from '../ssh/connect';
import type { ConnectTarget } from '../ssh/types';
import { probeHost } from '../facts/probe';
import { loadSiteFile } from '../site/load';
import { assertLabSupported, labDown, labStatus, labUp, type LabStatus, type ProgressReporter } from '../lab';

/**
 * The engine libraries the service calls, behind one interface: the service is written
 * against this, the real bindings live in this one file, and tests may pass fakes.
 * When an engine library lands or changes its name, only `realLibraries` changes.
 */
export interface EngineLibraries {
  readHostKey(endpoint: Endpoint, signal?: AbortSignal): Promise<HostKeyInfo>;
  /** Parses the targets (usage errors name the bad one), resolves names, scans. */
  discover(
    targets: readonly string[],
    options: { port?: number; signal?: AbortSignal; onRow: (row: ScanRow) => void },
  ): Promise<{ rows: ScanRow[]; scanned: number }>;
  loadKnownHosts(path: string): Promise<KnownHostsStore>;
  /** Throws `lab.unsupported` with the reason when the lab cannot run on this computer. */
  assertLabSupported(): void;
  labStatus(): Promise<LabStatus>;
  /** Builds (or reuses) the lab and pins its servers' keys in `knownHostsPath`. */
  labUp(progress: ProgressReporter, knownHostsPath: string): Promise<unknown>;
  labDown(progress: ProgressReporter): Promise<unknown>;
  /** Connects, reads the inventory facts, disconnects. */
  probe(target: ConnectTarget, signal?: AbortSignal): Promise<Inventory>;
  /** Reads and resolves a site file (defaults filled in); `config` errors name the field. */
  loadSiteFile(path: string): Promise<Record<string, unknown>>;
}

/** The real engine. */
export const realLibraries: EngineLibraries = {
  readHostKey: (endpoint, signal) => readHostKey(endpoint, { signal }),
  async discover(targets, options) {
    const parsed = parseTargets(targets, options.port ?? 22);
    const { endpoints, unresolved } = await resolveTargets(parsed);
    const rows = await scan(endpoints, unresolved, { signal: options.signal, onRow: options.onRow });
    return { rows, scanned: endpoints.length + unresolved.length };
  },
  loadKnownHosts: (path) => KnownHostsStore.load(path),
  assertLabSupported: () => assertLabSupported(),
  labStatus: () => labStatus(),
  labUp: (onProgress, knownHostsPath) => labUp({ onProgress, knownHostsPath }),
  labDown: (onProgress) => labDown({ onProgress }),
  async probe(target, signal) {
    const transport = await connect(target, { ...(signal && { signal }) });
    try {
      return await probeHost(transport, { ...(signal && { signal }) });
    } finally {
      await transport.close();
    }
  },
  loadSiteFile: async (path) => ({ ...loadSiteFile(path).site }),
};
