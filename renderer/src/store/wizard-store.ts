import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  AppInfo,
  DiscoveryRow,
  HostKey,
  LabStatusView,
  ProbeNode,
} from '../../../provisioning/api/contract';
import type { Endpoint, Secrets } from '../../../provisioning/api/endpoint';
import type { ErrorInfo } from '../../../provisioning/api/errors';
import type { LockstepEvent } from '../../../provisioning/api/events';
import { errorInfoOf, type LockstepClient } from '../api/api';
import { endpointKey, splitTargets } from '../format';
import { initialPairFlow, pairFlowActions, type PairFlowActions, type PairFlowState } from './pair-flow';
import { consoleActions, initialConsoleActions, type ConsoleActionsActions, type ConsoleActionsSlice } from './console-actions';
import { initialSiteDraft, siteDraftActions, type SiteDraftActions, type SiteDraftState } from './site-draft';
import { initialNotifications, notificationsActions, type NotificationsActions, type NotificationsSlice } from './desktop-notifications';
import { noDesktopNotifications, type DesktopNotifications } from '../api/desktop-notifications';
import type { StepId } from '../steps';

/** How the user logs in to both servers. Secrets stay in this memory only. */
export interface LoginForm {
  readonly user: string;
  readonly method: 'agent' | 'key' | 'password';
  readonly identityFile: string;
  readonly passphrase: string;
  readonly password: string;
  readonly sudoPassword: string;
}

/** One chosen server on its way through "Connect and trust". */
export interface ServerTrust {
  readonly endpoint: Endpoint;
  readonly phase: 'idle' | 'reading' | 'read' | 'trusting' | 'trusted' | 'failed';
  readonly hostKey?: HostKey;
  readonly error?: ErrorInfo;
}

export interface WizardState extends PairFlowState, SiteDraftState, ConsoleActionsSlice, NotificationsSlice {
  readonly step: StepId;
  readonly app?: AppInfo;
  /** The pair's name, shown in the header. */
  readonly pairName: string;
  readonly lab: {
    readonly status?: LabStatusView;
    readonly busy: 'idle' | 'checking' | 'starting' | 'stopping';
    readonly progress: readonly string[];
    readonly error?: ErrorInfo;
  };
  readonly siteFile: {
    readonly path: string;
    readonly loading: boolean;
    readonly error?: ErrorInfo;
    readonly loaded?: string;
  };
  readonly discovery: {
    readonly input: string;
    readonly running: boolean;
    readonly operationId?: string;
    readonly rows: readonly DiscoveryRow[];
    readonly scanned?: number;
    readonly durationMs?: number;
    readonly error?: ErrorInfo;
  };
  /** Endpoint keys of the chosen servers, in the order chosen (first is node a). */
  readonly selected: readonly string[];
  readonly login: LoginForm;
  readonly servers: Readonly<Record<string, ServerTrust>>;
  readonly inventory: {
    readonly running: boolean;
    readonly nodes?: readonly ProbeNode[];
    readonly error?: ErrorInfo;
  };
}

export interface WizardActions extends PairFlowActions, SiteDraftActions, ConsoleActionsActions, NotificationsActions {
  init(): Promise<void>;
  goTo(step: StepId): void;
  refreshLab(): Promise<void>;
  startLab(): Promise<void>;
  /** Fills the flow with the lab's servers and key, and moves on to Find servers. */
  useLab(): void;
  setSitePath(path: string): void;
  openSiteFile(): Promise<void>;
  setDiscoveryInput(text: string): void;
  discover(): Promise<void>;
  toggleSelected(row: DiscoveryRow): void;
  setLogin(patch: Partial<LoginForm>): void;
  readHostKeys(): Promise<void>;
  trust(key: string): Promise<void>;
  readInventory(): Promise<void>;
  handleEvent(event: LockstepEvent): void;
  /** The secrets typed on "Connect and trust" (and Options' BMC passwords), for calls on the site's pair (memory only). */
  secrets(): Secrets | undefined;
}

export type WizardStore = StoreApi<WizardState & WizardActions>;

export const initialLogin: LoginForm = {
  user: 'root',
  method: 'agent',
  identityFile: '',
  passphrase: '',
  password: '',
  sudoPassword: '',
};

/** The endpoint of a discovery row that answered. */
export function rowEndpoint(row: DiscoveryRow): Endpoint | undefined {
  return row.address ? { host: row.address, port: row.port } : undefined;
}

/** Creates the wizard's store around an API client (the real one, or a fake in tests) and the desktop's notifications. */
export function createWizardStore(
  client: LockstepClient,
  newId: () => string = () => crypto.randomUUID(),
  desktop: DesktopNotifications = noDesktopNotifications(),
): WizardStore {
  return createStore<WizardState & WizardActions>()((set, get) => {
    const patchServer = (key: string, patch: Partial<ServerTrust>): void =>
      set((state) => {
        const current = state.servers[key];
        if (!current) return {};
        return { servers: { ...state.servers, [key]: { ...current, ...patch } } };
      });

    return {
      step: 'start',
      pairName: 'New pair',
      lab: { busy: 'idle', progress: [] },
      siteFile: { path: '', loading: false },
      discovery: { input: '', running: false, rows: [] },
      selected: [],
      login: initialLogin,
      servers: {},
      inventory: { running: false },
      ...initialPairFlow,
      ...pairFlowActions(set, () => get(), client, newId),
      ...initialConsoleActions,
      ...consoleActions(set, () => get(), client, newId),
      ...initialSiteDraft,
      ...siteDraftActions(set, () => get(), client, newId),
      ...initialNotifications(desktop),
      ...notificationsActions(set, () => get(), desktop),

      secrets() {
        const { login, draft, bmcPasswords } = get();
        const bmc = draft?.fencing.mode === 'ipmi' ? bmcPasswords : undefined;
        const secrets: Secrets = {
          ...(login.method === 'password' && login.password && { password: login.password }),
          ...(login.method === 'key' && login.passphrase && { passphrase: login.passphrase }),
          ...(login.sudoPassword && { sudoPassword: login.sudoPassword }),
          ...(bmc &&
            (bmc.a || bmc.b) && {
              bmcPasswords: { ...(bmc.a && { a: bmc.a }), ...(bmc.b && { b: bmc.b }) },
            }),
        };
        return Object.keys(secrets).length > 0 ? secrets : undefined;
      },

      async init() {
        try {
          const app = await client.appInfo({});
          set({ app });
        } catch {
          // The header shows no version; every call below reports its own error.
        }
        await get().refreshLab();
      },

      goTo(step) {
        if (get().step === 'console' && step !== 'console') void get().stopWatch();
        set({ step });
      },

      async refreshLab() {
        set((state) => ({ lab: { ...state.lab, busy: 'checking', error: undefined } }));
        try {
          const status = await client.labStatus({});
          set((state) => ({ lab: { ...state.lab, busy: 'idle', status } }));
        } catch (error) {
          set((state) => ({ lab: { ...state.lab, busy: 'idle', error: errorInfoOf(error) } }));
        }
      },

      async startLab() {
        set((state) => ({ lab: { ...state.lab, busy: 'starting', progress: [], error: undefined } }));
        try {
          const status = await client.labUp({ operationId: newId() });
          set((state) => ({ lab: { ...state.lab, busy: 'idle', status } }));
        } catch (error) {
          set((state) => ({ lab: { ...state.lab, busy: 'idle', error: errorInfoOf(error) } }));
        }
      },

      useLab() {
        const status = get().lab.status;
        if (!status) return;
        if (get().console.operationId) void get().stopWatch();
        set({
          ...initialPairFlow,
          ...initialSiteDraft,
          sitePath: status.siteFile,
          siteIsLab: !!status.siteFile,
          pairName: 'lab',
          step: 'find',
          discovery: { input: status.nodes.map((node) => node.address).join(' '), running: false, rows: [] },
          selected: [],
          servers: {},
          inventory: { running: false },
          login: {
            ...initialLogin,
            user: 'root',
            method: status.identityFile ? 'key' : 'agent',
            identityFile: status.identityFile ?? '',
          },
        });
      },

      setSitePath(path) {
        set((state) => ({ siteFile: { ...state.siteFile, path, error: undefined } }));
      },

      async openSiteFile() {
        const path = get().siteFile.path.trim();
        set((state) => ({ siteFile: { ...state.siteFile, loading: true, error: undefined } }));
        try {
          const { site } = await client.loadSiteFile({ path });
          const nodes = Array.isArray(site.nodes)
            ? (site.nodes as { address?: unknown; port?: unknown }[])
            : [];
          const ssh = (site.ssh ?? {}) as { user?: unknown; identityFile?: unknown };
          const addresses = nodes.map((node) =>
            typeof node.port === 'number' && node.port !== 22
              ? `${String(node.address)}:${node.port}`
              : String(node.address),
          );
          if (get().console.operationId) void get().stopWatch();
          const labSite = get().lab.status?.siteFile;
          set((state) => ({
            ...initialPairFlow,
            ...initialSiteDraft,
            sitePath: path,
            siteIsLab: !!labSite && labSite === path,
            siteFile: { ...state.siteFile, loading: false, loaded: path },
            pairName: typeof site.name === 'string' ? site.name : state.pairName,
            discovery: { input: addresses.join(' '), running: false, rows: [] },
            login: {
              ...state.login,
              user: typeof ssh.user === 'string' ? ssh.user : state.login.user,
              ...(typeof ssh.identityFile === 'string' && {
                method: 'key' as const,
                identityFile: ssh.identityFile,
              }),
            },
            step: 'find',
          }));
        } catch (error) {
          set((state) => ({ siteFile: { ...state.siteFile, loading: false, error: errorInfoOf(error) } }));
        }
      },

      setDiscoveryInput(input) {
        set((state) => ({ discovery: { ...state.discovery, input } }));
      },

      async discover() {
        const targets = splitTargets(get().discovery.input);
        const operationId = newId();
        set({
          discovery: { input: get().discovery.input, running: true, rows: [], operationId },
          selected: [],
          servers: {},
        });
        try {
          const result = await client.discover({ targets, operationId });
          set((state) => ({
            discovery: {
              ...state.discovery,
              running: false,
              rows: result.rows,
              scanned: result.scanned,
              durationMs: result.durationMs,
            },
          }));
          // Two servers named one by one, both answering: that is the pair.
          const answering = result.rows.filter((row) => row.state === 'ssh' && !row.fromRange);
          if (answering.length === 2 && result.rows.length === 2)
            answering.forEach((row) => get().toggleSelected(row));
        } catch (error) {
          set((state) => ({ discovery: { ...state.discovery, running: false, error: errorInfoOf(error) } }));
        }
      },

      toggleSelected(row) {
        const endpoint = rowEndpoint(row);
        if (!endpoint || row.state !== 'ssh') return;
        const key = endpointKey(endpoint);
        set((state) => {
          if (state.selected.includes(key)) {
            const servers = { ...state.servers };
            delete servers[key];
            return {
              selected: state.selected.filter((each) => each !== key),
              servers,
              inventory: { running: false },
            };
          }
          if (state.selected.length >= 2) return {};
          return {
            selected: [...state.selected, key],
            servers: { ...state.servers, [key]: { endpoint, phase: 'idle' } },
            inventory: { running: false },
          };
        });
      },

      setLogin(patch) {
        set((state) => ({ login: { ...state.login, ...patch } }));
      },

      async readHostKeys() {
        const { selected, servers } = get();
        await Promise.all(
          selected.map(async (key) => {
            const server = servers[key];
            if (!server || server.phase === 'trusted') return;
            patchServer(key, { phase: 'reading', error: undefined });
            try {
              const hostKey = await client.readHostKey({ endpoint: server.endpoint });
              patchServer(key, { phase: hostKey.trust === 'pinned' ? 'trusted' : 'read', hostKey });
            } catch (error) {
              patchServer(key, { phase: 'failed', error: errorInfoOf(error) });
            }
          }),
        );
      },

      async trust(key) {
        const server = get().servers[key];
        if (!server?.hostKey) return;
        patchServer(key, { phase: 'trusting', error: undefined });
        try {
          await client.trust({ endpoint: server.endpoint, fingerprint: server.hostKey.fingerprint });
          patchServer(key, { phase: 'trusted', hostKey: { ...server.hostKey, trust: 'pinned' } });
        } catch (error) {
          patchServer(key, { phase: 'failed', error: errorInfoOf(error) });
        }
      },

      async readInventory() {
        const { selected, servers, login } = get();
        const nodes = selected
          .map((key) => servers[key]?.endpoint)
          .filter((endpoint): endpoint is Endpoint => !!endpoint);
        set({ inventory: { running: true }, step: 'inventory' });
        const secrets = get().secrets() ?? {};
        try {
          const result = await client.probe({
            nodes,
            login: {
              user: login.user.trim(),
              ...(login.method === 'key' && { identityFile: login.identityFile.trim() }),
              agent: login.method === 'agent',
            },
            ...(Object.keys(secrets).length > 0 && { secrets }),
            operationId: newId(),
          });
          set({ inventory: { running: false, nodes: result.nodes } });
        } catch (error) {
          set({ inventory: { running: false, error: errorInfoOf(error) } });
        }
      },

      handleEvent(event) {
        switch (event.type) {
          case 'discoveryResult':
            set((state) => {
              if (state.discovery.operationId !== event.operationId || !state.discovery.running) return {};
              return { discovery: { ...state.discovery, rows: [...state.discovery.rows, event.row] } };
            });
            return;
          case 'labProgress':
            set((state) => ({
              lab: { ...state.lab, progress: [...state.lab.progress.slice(-49), event.message] },
            }));
            return;
          case 'apply':
            get().handlePairEvent(event);
            get().handleConsoleEvent(event);
            return;
          case 'monitor':
            get().handlePairEvent(event);
            if (event.event.type === 'alert' && event.operationId === get().console.operationId) get().notifyAlert(event.event.alert);
            return;
          case 'progress':
            get().handlePairEvent(event);
            get().handleDraftProgress(event);
            get().handleConsoleEvent(event);
            return;
          case 'log':
          case 'operationFinished':
            return;
          default:
            assertNever(event);
        }
      },
    };
  });
}

function assertNever(value: never): never {
  throw new Error(`unexpected event ${JSON.stringify(value)}`);
}
