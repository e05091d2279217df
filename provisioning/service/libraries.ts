import { resolve } from 'node:path';
import type { ApplyEvent, Plan } from '../api/apply-events';
import type { AreaFinding, ValidateResult } from '../api/contract';
import type { Endpoint, Secrets } from '../api/endpoint';
import type { Finding } from '../api/finding';
import { vmCreateRefusal, type ActionRequest, type ActionResult, type VmCreateRequest } from '../api/actions';
import { LockstepError } from '../api/errors';
import type { Alert, MonitorEvent, PairHistory, PairState } from '../api/monitor';
import { runConsoleAction } from '../actions';
import { prepareVmCreate, vmCreateRunsDir } from '../actions/vm-create';
import { areaOf } from '../checks/registry';
import { applySteps, type ApplyResult } from '../engine/apply';
import { runsDir, unfinishedRun } from '../engine/journal';
import { openPairSession, type PairSession } from '../engine/pair-session';
import { makePlan } from '../engine/plan';
import { acknowledgeAlert, eventLogPath, readRecentAlerts } from '../monitor/event-log';
import { PairMonitor } from '../monitor/monitor';
import { validatePair } from '../validation/validate';
import type { Inventory } from '../api/inventory';
import type { RoleSuggestion } from '../api/roles';
import type { VerifyResult } from '../api/verify';
import { verifyPair } from '../engine/verify-pair';
import { saveSite } from '../site/save';
import { suggestRoles } from '../validation/suggest-roles';
import { readHostKey, type HostKeyInfo } from '../discovery/host-key';
import { scan, type DiscoveryRow as ScanRow } from '../discovery/scan';
import { parseTargets, resolveTargets } from '../discovery/targets';
import { KnownHostsStore } from '../ssh/known-hosts';
import { connect } from '../ssh/connect';
import type { ConnectTarget } from '../ssh/types';
import { probeHost } from '../facts/probe';
import type { BmcState } from '../checks/types';
import { probeBmc } from '../validation/bmc-probe';
import { loadSiteFile } from '../site/load';
import type { ResolvedSite } from '../api/site';
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
  /** What `lockstep init` decides for two servers (steps 5–6): roles, private link, disks, with the evidence. */
  suggestSite(options: {
    readonly name: string;
    readonly hosts: readonly Endpoint[];
    readonly user: string;
    readonly identityFile?: string;
    readonly knownHostsPath: string;
    readonly secrets: Secrets;
    readonly signal: AbortSignal;
    readonly progress?: (message: string) => void;
  }): Promise<RoleSuggestion>;
  /** Writes the wizard's site as a site file Lockstep owns (step 7); `config` errors name the field. */
  saveSite(site: unknown, notes: Readonly<Record<string, string>>): Promise<{ path: string; site: Record<string, unknown> }>;
  /** The proof after an install (step 11), read-only. */
  verify(sitePath: string, options: PairCallOptions): Promise<VerifyResult>;
  /** Validates the pair of a site file (step 8): every check, or `only` these. */
  validate(sitePath: string, options: PairCallOptions & { only?: readonly string[] }): Promise<Omit<ValidateResult, 'only'>>;
  /** Opens the pair (validation must pass but for `allowChecks`) and plans (step 9). */
  plan(sitePath: string, options: PairCallOptions & { allowChecks: readonly string[] }): Promise<{ plan: Plan; allowed: Finding[] }>;
  /** Opens the pair and applies (step 10), handing every event to `onEvent`. */
  apply(
    sitePath: string,
    options: PairCallOptions & { allowChecks: readonly string[]; onEvent: (event: ApplyEvent) => void },
  ): Promise<ApplyResult>;
  /**
   * Opens the pair (validation must pass but for `allowChecks`) and creates a VM at its
   * level through the engine (`vm create`), handing every event to `onEvent`.
   */
  createVm(
    sitePath: string,
    request: VmCreateRequest,
    options: PairCallOptions & { allowChecks: readonly string[]; onEvent: (event: ApplyEvent) => void },
  ): Promise<ApplyResult>;
  /**
   * Opens a monitor of the pair (step 12): resolves with the first state and the
   * recent alerts; then `onEvent` gets every change until the signal aborts.
   */
  watch(
    sitePath: string,
    options: PairCallOptions & { intervalMs: number; onEvent: (event: MonitorEvent) => void },
  ): Promise<{ state: PairState; recentAlerts: Alert[]; history: PairHistory; running: Promise<void> }>;
  /** Runs a console action on the site's pair through the engine (or only inspects it, `dryRun`). */
  runAction(sitePath: string, request: ActionRequest, options: PairCallOptions & { dryRun: boolean }): Promise<ActionResult>;
  /**
   * Options' "Test BMC of …": connects to `from` (the node that would fence through this
   * BMC) only, asks the BMC for its power state with fence_ipmilan, disconnects.
   */
  testBmc(options: {
    readonly from: ConnectTarget;
    readonly bmc: { readonly address: string; readonly port: number; readonly user: string };
    readonly password: string;
    readonly signal: AbortSignal;
  }): Promise<BmcState>;
  /** Marks an alert of the site's pair acknowledged in its event log. */
  ackAlert(sitePath: string, alertId: string): Promise<{ alert: Alert; alreadyAcknowledged: boolean }>;
}

/** What every call on a site's pair needs besides the site. */
export interface PairCallOptions {
  readonly knownHostsPath: string;
  readonly secrets: Secrets;
  readonly signal: AbortSignal;
  readonly progress?: (message: string) => void;
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
  suggestSite: (options) =>
    suggestRoles({
      name: options.name,
      hosts: options.hosts,
      user: options.user,
      ...(options.identityFile && { identityFile: resolve(options.identityFile) }),
      baseDir: process.cwd(),
      knownHostsPath: options.knownHostsPath,
      secrets: options.secrets,
      signal: options.signal,
      ...(options.progress && { progress: options.progress }),
    }),
  async saveSite(site, notes) {
    const saved = saveSite(site, { notes });
    return { path: saved.path, site: { ...saved.site } };
  },
  async verify(sitePath, options) {
    const { site } = loadSiteFile(sitePath);
    return verifyPair(site, {
      knownHostsPath: options.knownHostsPath,
      secrets: options.secrets,
      signal: options.signal,
      ...(options.progress && { progress: options.progress }),
    });
  },
  async validate(sitePath, options) {
    const { site } = loadSiteFile(sitePath);
    const report = await validatePair(site, {
      knownHostsPath: options.knownHostsPath,
      secrets: options.secrets,
      signal: options.signal,
      ...(options.progress && { progress: options.progress }),
      ...(options.only && { only: options.only }),
    });
    return {
      findings: report.findings.map((finding): AreaFinding => ({ ...finding, area: areaOf(finding) })),
      capacity: report.capacity,
      connectionFailed: report.connectionFailed,
      failed: report.failed,
    };
  },
  plan: (sitePath, options) =>
    withPairSession(sitePath, options, async (opened, site) => {
      const plan = await makePlan(opened.steps, opened.pair.session, {
        signal: options.signal,
        previousRun: unfinishedRun(runsDir(site.name)),
      });
      return { plan, allowed: [...opened.pair.allowed] };
    }),
  apply: (sitePath, options) =>
    withPairSession(sitePath, options, (opened) =>
      applySteps({
        steps: opened.steps,
        session: opened.pair.session,
        signal: options.signal,
        onEvent: options.onEvent,
      }),
    ),
  async createVm(sitePath, request, options) {
    // Refused before connecting: the same answer, without a validation of the pair first.
    const refusal = vmCreateRefusal(request.level);
    if (refusal) throw new LockstepError({ code: 'action.refused', field: 'level', ...refusal });
    return withPairSession(sitePath, options, async (opened, site) => {
      const { steps } = await prepareVmCreate(request, opened.pair.session);
      return applySteps({
        steps,
        session: opened.pair.session,
        signal: options.signal,
        runsDir: vmCreateRunsDir(runsDir(site.name), request.vm),
        onEvent: options.onEvent,
      });
    });
  },
  async watch(sitePath, options) {
    const { site } = loadSiteFile(sitePath);
    const monitor = new PairMonitor({
      site,
      knownHostsPath: options.knownHostsPath,
      secrets: options.secrets,
      signal: options.signal,
      intervalMs: options.intervalMs,
    });
    try {
      await monitor.open();
      const { state } = await monitor.poll();
      const recentAlerts = readRecentAlerts(eventLogPath(site.name), 20);
      const history = monitor.historyView();
      const running = monitor
        .watch(options.onEvent)
        .catch(() => undefined)
        .finally(() => monitor.close());
      return { state, recentAlerts, history, running };
    } catch (error) {
      await monitor.close();
      throw error;
    }
  },
  async runAction(sitePath, request, options) {
    const { site } = loadSiteFile(sitePath);
    return runConsoleAction(site, request, {
      knownHostsPath: options.knownHostsPath,
      secrets: options.secrets,
      signal: options.signal,
      dryRun: options.dryRun,
      ...(options.progress && { onLog: options.progress }),
    });
  },
  async testBmc({ from, bmc, password, signal }) {
    const transport = await connect(from, { label: from.endpoint.host, signal });
    try {
      return await probeBmc(transport, bmc, password, from.endpoint.host, signal);
    } finally {
      await transport.close();
    }
  },
  async ackAlert(sitePath, alertId) {
    const { site } = loadSiteFile(sitePath);
    return acknowledgeAlert(eventLogPath(site.name), alertId);
  },
};

/** Opens the site file's pair (validated, but for `allowChecks`), runs `body`, closes: plan, apply and createVm. */
async function withPairSession<T>(
  sitePath: string,
  options: PairCallOptions & { allowChecks: readonly string[] },
  body: (opened: PairSession, site: ResolvedSite) => Promise<T>,
): Promise<T> {
  const { site } = loadSiteFile(sitePath);
  const opened = await openPairSession(site, { ...options, bmcPasswords: bmcPasswordsOf(options.secrets) });
  try {
    return await body(opened, site);
  } finally {
    await opened.pair.close();
  }
}

/** The wizard's BMC passwords (Options), in the order the fencing step asks for them. */
function bmcPasswordsOf(secrets: Secrets): readonly [string | undefined, string | undefined] {
  return [secrets.bmcPasswords?.a, secrets.bmcPasswords?.b];
}
