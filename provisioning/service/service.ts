import { randomUUID } from 'node:crypto';
import type { ApplyEvent } from '../api/apply-events';
import {
  checkSiteField,
  type AppInfo,
  type ApplyResultView,
  type CallResult,
  type DiscoveryRow,
  type LabStatusView,
  type LockstepApi,
  type ParsedArgs,
  type ProbeNode,
} from '../api/contract';
import type { Endpoint, Secrets } from '../api/endpoint';
import { LockstepError, toErrorInfo } from '../api/errors';
import { SITE_DEFAULTS } from '../api/site';
import type { LockstepEvent } from '../api/events';
import type { DiscoveryRow as ScanRow } from '../discovery/scan';
import type { ApplyResult } from '../engine/apply';
import { hostKeyError } from '../ssh/host-key-errors';
import { normaliseFingerprint, sha256Fingerprint } from '../ssh/fingerprint';
import { entryMatchesHost, knownHostsName, type KnownHostsStore } from '../ssh/known-hosts';
import type { LabStatus } from '../lab/types';
import { defaultKnownHostsPath } from '../util/paths';
import { EventHub, now } from './event-hub';
import { realLibraries, type EngineLibraries } from './libraries';
import { assertNever } from '../util/assert-never';

/** How a door configures the one implementation of the contract. */
export interface ServiceOptions {
  readonly door: AppInfo['door'];
  readonly version: string;
  readonly knownHostsPath?: string;
  /** Electron reports whether safeStorage can encrypt (not `basic_text`); the web bridge cannot. */
  readonly secretStorage?: AppInfo['secretStorage'];
  readonly libraries?: EngineLibraries;
}

/** The service plus the event stream its calls feed. */
export interface LockstepService {
  readonly api: LockstepApi;
  readonly events: EventHub;
  /** Cancels every running call and watch (a door calls it when it closes). */
  close(): void;
}

/**
 * The one implementation of `LockstepApi`, shared by every door: it calls the engine
 * libraries and reports progress as events. Secrets arrive in a call's arguments, are
 * handed to the transport for that call and are not kept, logged or echoed back.
 */
export function createLockstepService(options: ServiceOptions): LockstepService {
  const libraries = options.libraries ?? realLibraries;
  const knownHostsPath = options.knownHostsPath ?? defaultKnownHostsPath();
  const events = new EventHub();
  const emit = (event: LockstepEvent): void => events.emit(event);

  /** Running calls that can be cancelled, by operation id. */
  const running = new Map<string, AbortController>();
  /** The one console watch (a new one ends the last). */
  let watchId: string | undefined;

  /** Runs a cancellable call: its controller is found by `cancel` under the operation id. */
  async function cancellable<T>(id: string, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    running.get(id)?.abort();
    running.set(id, controller);
    try {
      return await body(controller.signal);
    } finally {
      if (running.get(id) === controller) running.delete(id);
    }
  }

  const progressOf =
    (id: string, call: string) =>
    (message: string): void =>
      emit({ type: 'progress', operationId: id, at: now(), call, message });

  /** The options of an engine run on the site's pair (apply, createVm): its `ApplyEvent`s stream under the call's id. */
  const engineRun = (
    id: string,
    call: 'apply' | 'createVm',
    args: { readonly secrets?: Secrets; readonly allowChecks?: readonly string[] },
    signal: AbortSignal,
  ) => ({
    knownHostsPath,
    secrets: args.secrets ?? {},
    signal,
    allowChecks: args.allowChecks ?? [],
    progress: progressOf(id, call),
    onEvent: (event: ApplyEvent) => emit({ type: 'apply', operationId: id, at: now(), event }),
  });

  /** Runs a long call, announcing its end on the event stream with the same id. */
  async function operation<T>(
    call: string,
    operationId: string | undefined,
    body: (id: string) => Promise<T>,
  ): Promise<T> {
    const id = operationId ?? randomUUID();
    try {
      const result = await body(id);
      emit({ type: 'operationFinished', operationId: id, at: now(), call, ok: true });
      return result;
    } catch (error) {
      emit({
        type: 'operationFinished',
        operationId: id,
        at: now(),
        call,
        ok: false,
        error: toErrorInfo(error),
      });
      throw error;
    }
  }

  async function trustStateOf(endpoint: Endpoint, keyType: string, fingerprint: string, key: string) {
    const store = await libraries.loadKnownHosts(knownHostsPath);
    const lookup = store.lookup(endpoint, { keyType, key });
    switch (lookup.status) {
      case 'match':
        return { trust: 'pinned' as const };
      case 'unknown':
        return { trust: 'unknown' as const };
      case 'mismatch':
        return { trust: 'mismatch' as const, pinnedFingerprint: lookup.pinned[0]?.fingerprint };
      case 'revoked':
        return { trust: 'mismatch' as const, pinnedFingerprint: fingerprint };
      default:
        return assertNever(lookup);
    }
  }

  async function labView(): Promise<LabStatusView> {
    try {
      libraries.assertLabSupported();
    } catch (error) {
      if (error instanceof LockstepError && error.code === 'lab.unsupported') {
        return { state: 'unsupported', reason: `${error.message} ${error.remedy}`, nodes: [], leftovers: [] };
      }
      throw error;
    }
    return toLabView(await libraries.labStatus());
  }

  const api: LockstepApi = {
    async appInfo() {
      return {
        product: 'Lockstep',
        version: options.version,
        door: options.door,
        platform: `${process.platform}-${process.arch}`,
        knownHostsPath,
        secretStorage: options.secretStorage ?? 'unavailable',
      };
    },

    labStatus: () => labView(),

    labUp: (args) =>
      operation('labUp', args.operationId, async (id) => {
        libraries.assertLabSupported();
        await libraries.labUp(
          (message) => emit({ type: 'labProgress', operationId: id, at: now(), message }),
          knownHostsPath,
        );
        return labView();
      }),

    labDown: (args) =>
      operation('labDown', args.operationId, async (id) => {
        libraries.assertLabSupported();
        await libraries.labDown((message) =>
          emit({ type: 'labProgress', operationId: id, at: now(), message }),
        );
        return labView();
      }),

    discover: (args) =>
      operation('discover', args.operationId, async (id) => {
        const started = performance.now();
        const store = await libraries.loadKnownHosts(knownHostsPath);
        const withTrust = (row: ScanRow): DiscoveryRow => {
          if (row.state !== 'ssh' || !row.address || !row.fingerprint || !row.keyType) return { ...row };
          const trust = pinnedStateOf(store, row);
          return { ...row, ...(trust && { trust }) };
        };
        let seen = 0;
        const { rows, scanned } = await libraries.discover(args.targets, {
          port: args.port,
          onRow: (row) => {
            seen += 1;
            if (row.state === 'ssh' || !row.fromRange) {
              emit({ type: 'discoveryResult', operationId: id, at: now(), row: withTrust(row) });
            }
            if (seen % 16 === 0)
              emit({
                type: 'progress',
                operationId: id,
                at: now(),
                call: 'discover',
                message: 'scanning',
                done: seen,
              });
          },
        });
        return {
          rows: rows.filter((row) => row.state === 'ssh' || !row.fromRange).map(withTrust),
          scanned,
          durationMs: Math.round(performance.now() - started),
        };
      }),

    async readHostKey(args) {
      const info = await libraries.readHostKey(args.endpoint);
      const state = await trustStateOf(args.endpoint, info.keyType, info.fingerprint, info.publicKey);
      return {
        endpoint: args.endpoint,
        banner: info.banner,
        keyType: info.keyType,
        fingerprint: info.fingerprint,
        rttMs: Math.round(info.rttMs * 10) / 10,
        ...state,
      };
    },

    async trust(args) {
      const confirmed = normaliseFingerprint(args.fingerprint);
      const info = await libraries.readHostKey(args.endpoint);
      if (confirmed !== info.fingerprint) {
        throw new LockstepError({
          code: 'ssh.host-key-mismatch',
          host: args.endpoint.host,
          field: 'fingerprint',
          message: `${args.endpoint.host} now offers ${info.keyType} ${info.fingerprint}, not the key you confirmed (${args.fingerprint}). Nothing was trusted.`,
          remedy:
            "Read the key again and compare it with the server's console (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`). If it keeps changing, someone may be intercepting the connection.",
        });
      }
      const store = await libraries.loadKnownHosts(knownHostsPath);
      const offered = { keyType: info.keyType, key: info.publicKey };
      const lookup = store.lookup(args.endpoint, offered);
      if (lookup.status === 'match') {
        return {
          endpoint: args.endpoint,
          keyType: info.keyType,
          fingerprint: info.fingerprint,
          knownHostsPath,
          alreadyTrusted: true,
        };
      }
      const refusal =
        lookup.status === 'unknown' ? undefined : hostKeyError(args.endpoint, info, lookup, knownHostsPath);
      if (refusal) throw refusal;
      await store.pin(args.endpoint, offered, { comment: 'lockstep' });
      return {
        endpoint: args.endpoint,
        keyType: info.keyType,
        fingerprint: info.fingerprint,
        knownHostsPath,
        alreadyTrusted: false,
      };
    },

    probe: (args) =>
      operation('probe', args.operationId, async (id) => {
        const nodes = await Promise.all(
          args.nodes.map(async (endpoint): Promise<ProbeNode> => {
            emit({
              type: 'progress',
              operationId: id,
              at: now(),
              call: 'probe',
              message: `reading facts of ${endpoint.host}`,
            });
            try {
              const inventory = await libraries.probe({
                endpoint,
                login: args.login,
                ...(args.secrets && { secrets: args.secrets }),
                knownHostsPath,
              });
              return { ok: true, endpoint, inventory };
            } catch (error) {
              return { ok: false, endpoint, error: toErrorInfo(error) };
            }
          }),
        );
        return { nodes };
      }),

    async loadSiteFile(args) {
      return { path: args.path, site: await libraries.loadSiteFile(args.path) };
    },

    async validateSiteField(args) {
      return checkSiteField(args.field, args.value);
    },

    suggestSite: (args) =>
      operation('suggestSite', args.operationId, (id) =>
        cancellable(id, (signal) => {
          const [a, b] = args.nodes;
          const name = args.name && checkSiteField('name', args.name).valid ? args.name : 'pair1';
          return libraries.suggestSite({
            name,
            hosts: [a, b].filter((endpoint): endpoint is Endpoint => !!endpoint),
            user: args.login.user,
            ...(args.login.identityFile && { identityFile: args.login.identityFile }),
            knownHostsPath,
            secrets: args.secrets ?? {},
            signal,
            progress: progressOf(id, 'suggestSite'),
          });
        }),
      ),

    async saveSite(args) {
      return libraries.saveSite(args.site, args.notes ?? {});
    },

    verifyPair: (args) =>
      operation('verifyPair', args.operationId, (id) =>
        cancellable(id, (signal) =>
          libraries.verify(args.sitePath, {
            knownHostsPath,
            secrets: args.secrets ?? {},
            signal,
            progress: progressOf(id, 'verifyPair'),
          }),
        ),
      ),

    validate: (args) =>
      operation('validate', args.operationId, (id) =>
        cancellable(id, async (signal) => {
          const report = await libraries.validate(args.sitePath, {
            knownHostsPath,
            secrets: args.secrets ?? {},
            signal,
            progress: progressOf(id, 'validate'),
            ...(args.only && args.only.length > 0 && { only: args.only }),
          });
          return { ...report, only: args.only ?? [] };
        }),
      ),

    plan: (args) =>
      operation('plan', args.operationId, (id) =>
        cancellable(id, (signal) =>
          libraries.plan(args.sitePath, {
            knownHostsPath,
            secrets: args.secrets ?? {},
            signal,
            allowChecks: args.allowChecks ?? [],
            progress: progressOf(id, 'plan'),
          }),
        ),
      ),

    apply: (args) =>
      operation('apply', args.operationId, (id) =>
        cancellable(id, async (signal) => applyResultView(await libraries.apply(args.sitePath, engineRun(id, 'apply', args, signal)))),
      ),

    createVm: (args) =>
      operation('createVm', args.operationId, (id) =>
        cancellable(id, async (signal) =>
          applyResultView(await libraries.createVm(args.sitePath, args.request, engineRun(id, 'createVm', args, signal))),
        ),
      ),

    async cancel(args) {
      const controller = running.get(args.operationId);
      if (!controller) return { cancelled: false };
      controller.abort();
      running.delete(args.operationId);
      if (watchId === args.operationId) watchId = undefined;
      return { cancelled: true };
    },

    async watchPair(args) {
      const id = args.operationId;
      if (watchId && watchId !== id) running.get(watchId)?.abort();
      watchId = id;
      const controller = new AbortController();
      running.get(id)?.abort();
      running.set(id, controller);
      try {
        const first = await libraries.watch(args.sitePath, {
          knownHostsPath,
          secrets: args.secrets ?? {},
          signal: controller.signal,
          intervalMs: (args.intervalSeconds ?? 5) * 1000,
          onEvent: (event) => emit({ type: 'monitor', operationId: id, at: now(), event }),
        });
        void first.running.finally(() => {
          if (running.get(id) === controller) running.delete(id);
        });
        return { state: first.state, recentAlerts: first.recentAlerts, history: first.history };
      } catch (error) {
        if (running.get(id) === controller) running.delete(id);
        throw error;
      }
    },

    runAction: (args) =>
      operation('runAction', args.operationId, (id) =>
        cancellable(id, (signal) =>
          libraries.runAction(args.sitePath, args.action, {
            knownHostsPath,
            secrets: args.secrets ?? {},
            signal,
            dryRun: args.dryRun ?? false,
            progress: progressOf(id, 'runAction'),
          }),
        ),
      ),

    ackAlert: (args) => libraries.ackAlert(args.sitePath, args.alertId),

    testBmc: (args) =>
      operation('testBmc', args.operationId, (id) =>
        cancellable(id, async (signal) => {
          // A fence device never runs on the node it fences: the other node asks.
          const from = args.nodes[args.node === 'a' ? 1 : 0];
          if (!from) throw new LockstepError({ code: 'usage', field: 'nodes', message: 'Two servers are needed.', remedy: 'Choose both servers of the pair.' });
          const bmc = { address: args.bmc.address, port: args.bmc.port ?? SITE_DEFAULTS.bmcPort, user: args.bmc.user };
          progressOf(id, 'testBmc')(`asking the BMC at ${bmc.address}:${bmc.port} for its power state from ${from.host}`);
          const state = await libraries.testBmc({
            from: { endpoint: from, login: args.login, ...(args.secrets && { secrets: sshSecretsOf(args.secrets) }), knownHostsPath },
            bmc,
            password: args.password,
            signal,
          });
          return { reachable: state.reachable, detail: state.detail, from: from.host };
        }),
      ),
  } satisfies { [N in keyof LockstepApi]: (args: ParsedArgs<N>) => Promise<CallResult<N>> };

  const close = (): void => {
    for (const controller of running.values()) controller.abort();
    running.clear();
    watchId = undefined;
  };

  return { api, events, close };
}

/** The secrets SSH needs (the BMC passwords stay out of a connection that does not use them). */
function sshSecretsOf(secrets: Secrets): Secrets {
  return {
    ...(secrets.password && { password: secrets.password }),
    ...(secrets.passphrase && { passphrase: secrets.passphrase }),
    ...(secrets.sudoPassword && { sudoPassword: secrets.sudoPassword }),
  };
}

/** How an engine run ended, as the contract carries it (the journal's events stay out). */
function applyResultView(result: ApplyResult): ApplyResultView {
  return {
    runId: result.runId,
    journalPath: result.journalPath,
    outcome: result.outcome,
    counts: result.counts,
    stoppedAt: result.stoppedAt,
    failure: result.failure,
  };
}

/** Whether a discovered key is the one pinned for its address (rows carry fingerprints, not key blobs). */
function pinnedStateOf(store: KnownHostsStore, row: ScanRow): DiscoveryRow['trust'] {
  if (!row.address) return undefined;
  const name = knownHostsName({ host: row.address, port: row.port });
  const pins = store.entries.filter((entry) => entry.marker === undefined && entryMatchesHost(entry, name));
  if (pins.length === 0) return 'unknown';
  return pins.some((pin) => sha256Fingerprint(Buffer.from(pin.key, 'base64')) === row.fingerprint)
    ? 'pinned'
    : 'mismatch';
}

/** The lab library's status, as the contract shows it. */
export function toLabView(status: LabStatus): LabStatusView {
  const info = status.info;
  return {
    state: status.state,
    ...(status.state === 'degraded' && {
      reason: status.leftovers.length
        ? `Parts of the lab are left over: ${status.leftovers.join(', ')}.`
        : 'Not every lab server answers SSH.',
    }),
    nodes: status.nodes.map((node) => ({
      name: node.name,
      hostname: node.hostname,
      address: node.address,
      port: info?.nodes.find((each) => each.name === node.name)?.port ?? 22,
      running: node.running,
      sshReady: node.sshReady,
    })),
    ...(info && {
      siteFile: info.siteFile,
      identityFile: info.identityFile,
      knownHostsPath: info.knownHostsPath,
      managementSubnet: info.managementSubnet,
    }),
    leftovers: [...status.leftovers],
  };
}
