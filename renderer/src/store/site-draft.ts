import type { Endpoint, Secrets } from '../../../provisioning/api/endpoint';
import type { ErrorInfo } from '../../../provisioning/api/errors';
import type { BmcTestResult } from '../../../provisioning/api/contract';
import type { RoleSuggestion } from '../../../provisioning/api/roles';
import { problemText, validateSiteField } from '../../../provisioning/api/site';
import type { VerifyResult } from '../../../provisioning/api/verify';
import { errorInfoOf, type LockstepClient } from '../api/api';
import {
  draftFromSite,
  draftProblems,
  newDraft,
  notesFor,
  sameSite,
  toSiteFile,
  type SiteDraft,
} from '../model/site-draft';
import { initialInstall, initialPairFlow, type PairFlowState } from './pair-flow';

/**
 * Steps 5–7 and 11 of the flow: the site the wizard edits (Network roles, Disks,
 * Options), what probing suggests for it, handing it to Validate, and the proof after
 * the install (Verify), as one slice of the wizard's store.
 *
 * The edited site reaches Validate, Plan and Install as a site file: when it differs
 * from the file that was opened (or there was none: a new pair) it is saved under
 * Lockstep's own folder by `saveSite`, and that path becomes the one every later call
 * (and the CLI, with `-c`) works on.
 */
export interface SuggestionState {
  readonly running: boolean;
  readonly operationId?: string;
  readonly progress?: string;
  readonly result?: RoleSuggestion;
  readonly error?: ErrorInfo;
}

export interface VerifyState {
  readonly running: boolean;
  readonly operationId?: string;
  readonly progress?: string;
  readonly result?: VerifyResult;
  readonly error?: ErrorInfo;
}

/** Options' "Test BMC of …" for one node: running, or what the last test of the values shown said. */
export interface BmcTestState {
  readonly running: boolean;
  readonly operationId?: string;
  readonly result?: BmcTestResult;
  readonly error?: ErrorInfo;
}

export interface SiteDraftState {
  /** The site being edited. */
  readonly draft?: SiteDraft;
  /** The draft as first made, to tell whether the user changed anything. */
  readonly draftBase?: SiteDraft;
  /** The chosen servers (endpoint keys) the draft was made for. */
  readonly draftFor?: string;
  /** The site file the draft was made from; undefined for a new pair. */
  readonly draftSource?: string;
  /** The site Validate works on now, as a draft: the opened file, or what was last handed over. */
  readonly handedOver?: SiteDraft;
  readonly draftLoading: boolean;
  readonly draftError?: ErrorInfo;
  readonly suggestion: SuggestionState;
  /** BMC passwords typed on Options: memory only, sent with the calls that fence. */
  readonly bmcPasswords: { readonly a: string; readonly b: string };
  /** The last BMC test of each node; forgotten when that node's BMC or password changes. */
  readonly bmcTests: { readonly a: BmcTestState; readonly b: BmcTestState };
  readonly siteSaving: {
    readonly running: boolean;
    readonly error?: ErrorInfo;
    /** Where the edited site was written; undefined while the opened file is used as it is. */
    readonly savedPath?: string;
    /** The edited site was handed to Validate. */
    readonly committed: boolean;
    /** Edited since it was last handed to Validate: Validate would still see the older site. */
    readonly dirty: boolean;
  };
  readonly verify: VerifyState;
}

export interface SiteDraftActions {
  /** Makes the draft for the chosen servers (from the opened site file, or defaults) and asks probing for roles. */
  prepareDraft(): Promise<void>;
  /** Asks the engine what `lockstep init` would decide for these servers. */
  suggestRoles(): Promise<void>;
  editDraft(change: (draft: SiteDraft) => SiteDraft): void;
  setBmcPassword(node: 'a' | 'b', password: string): void;
  /** Asks the node's BMC for its power state from the other node, with the values and password typed on Options. */
  testBmc(node: 'a' | 'b'): Promise<void>;
  /** Hands the edited site to Validate (saving it when it changed); false when it cannot be. */
  commitDraft(): Promise<boolean>;
  runVerify(): Promise<void>;
  /** Folds a progress event of a suggestion or a verify into the state. */
  handleDraftProgress(event: { readonly operationId: string; readonly message: string }): void;
}

export const initialSiteDraft: SiteDraftState = {
  draftLoading: false,
  suggestion: { running: false },
  bmcPasswords: { a: '', b: '' },
  bmcTests: { a: { running: false }, b: { running: false } },
  siteSaving: { running: false, committed: false, dirty: false },
  verify: { running: false },
};

/** What the slice reads from the rest of the store. */
interface Host extends PairFlowState {
  readonly pairName: string;
  readonly selected: readonly string[];
  readonly servers: Readonly<Record<string, { readonly endpoint: Endpoint }>>;
  readonly login: { readonly user: string; readonly method: 'agent' | 'key' | 'password'; readonly identityFile: string };
  secrets(): Secrets | undefined;
  stopWatch(): Promise<void>;
}

type State = SiteDraftState & Host;
/** What the slice writes: its own state, the pair flow it hands a new site to, and the header's name. */
type Writable = SiteDraftState & PairFlowState & { readonly pairName: string };
type Setter = (partial: Partial<Writable> | ((state: State) => Partial<Writable>)) => void;

/** The pair-flow results that belong to an earlier site: a new site file starts Validate afresh. */
function freshPairFlow(state: State, sitePath: string): Partial<Writable> {
  if (state.console.operationId) void state.stopWatch();
  return {
    ...initialPairFlow,
    sitePath,
    siteIsLab: state.siteIsLab,
    validation: { running: false, allowLab: state.validation.allowLab },
    install: initialInstall,
    verify: { running: false },
  };
}

/** Whether Options' "Test BMC of …" can run: an address, a port number, a user and the password are given. */
export function bmcTestable(bmc: { readonly address: string; readonly port: number; readonly user: string }, password: string): boolean {
  return bmc.address !== '' && bmc.user !== '' && password !== '' && Number.isInteger(bmc.port) && bmc.port >= 1 && bmc.port <= 65535;
}

/** The BMC tests still true of `draft`: a test of a node whose BMC changed is forgotten. */
export function bmcTestsAfterEdit(state: Pick<SiteDraftState, 'bmcTests'>, before: SiteDraft, after: SiteDraft): SiteDraftState['bmcTests'] {
  const keep = (index: number): boolean => {
    const [was, now] = [before.nodes[index]?.bmc, after.nodes[index]?.bmc];
    return was?.address === now?.address && was?.port === now?.port && was?.user === now?.user;
  };
  const tests = state.bmcTests;
  return {
    a: keep(0) ? tests.a : { running: false },
    b: keep(1) ? tests.b : { running: false },
  };
}

export function siteDraftActions(set: Setter, get: () => State, client: LockstepClient, newId: () => string): SiteDraftActions {
  const endpoints = (): Endpoint[] =>
    get()
      .selected.map((key) => get().servers[key]?.endpoint)
      .filter((endpoint): endpoint is Endpoint => !!endpoint);
  const login = () => {
    const { user, method, identityFile } = get().login;
    return { user: user.trim(), ...(method === 'key' && { identityFile: identityFile.trim() }), agent: method === 'agent' };
  };

  const actions: SiteDraftActions = {
    async prepareDraft() {
      const state = get();
      const draftFor = state.selected.join(',');
      if (state.draft && state.draftFor === draftFor) {
        if (!state.suggestion.result && !state.suggestion.running && !state.suggestion.error) await actions.suggestRoles();
        return;
      }
      if (state.draftLoading) return;
      set({ draftLoading: true, draftError: undefined, suggestion: { running: false } });
      try {
        const source = state.sitePath;
        let draft: SiteDraft;
        if (source) {
          const { site } = await client.loadSiteFile({ path: source });
          draft = draftFromSite(site, endpoints());
        } else {
          const name = validateSiteField('name', state.pairName).length === 0 ? state.pairName : 'pair1';
          draft = newDraft(endpoints(), {
            user: state.login.user.trim(),
            ...(state.login.method === 'key' && { identityFile: state.login.identityFile.trim() }),
          }, name);
        }
        set({
          draft,
          draftBase: draft,
          draftFor,
          draftSource: source,
          handedOver: source ? draft : undefined,
          draftLoading: false,
          pairName: draft.name,
        });
      } catch (error) {
        set({ draftLoading: false, draftError: errorInfoOf(error) });
        return;
      }
      await actions.suggestRoles();
    },

    async suggestRoles() {
      const state = get();
      if (state.suggestion.running) return;
      const operationId = newId();
      set({ suggestion: { running: true, operationId } });
      const secrets = state.secrets();
      try {
        const result = await client.suggestSite({
          nodes: endpoints(),
          login: login(),
          ...(secrets && { secrets }),
          ...(state.draft && { name: state.draft.name }),
          operationId,
        });
        set((current) => (current.suggestion.operationId === operationId ? { suggestion: { running: false, result } } : {}));
      } catch (error) {
        set((current) =>
          current.suggestion.operationId === operationId
            ? { suggestion: { running: false, error: errorInfoOf(error) } }
            : {},
        );
      }
    },

    editDraft(change) {
      set((state) => {
        if (!state.draft) return {};
        const draft = change(state.draft);
        return {
          draft,
          bmcTests: bmcTestsAfterEdit(state, state.draft, draft),
          pairName: draft.name || state.pairName,
          // An edit that is undone is no edit: Validate would see the same site.
          siteSaving: { ...state.siteSaving, error: undefined, dirty: !state.handedOver || !sameSite(draft, state.handedOver) },
        };
      });
    },

    setBmcPassword(node, password) {
      set((state) => ({
        bmcPasswords: { ...state.bmcPasswords, [node]: password },
        bmcTests: { ...state.bmcTests, [node]: { running: false } },
      }));
    },

    async testBmc(node) {
      const state = get();
      const bmc = state.draft?.nodes[node === 'a' ? 0 : 1]?.bmc;
      const password = state.bmcPasswords[node];
      if (!bmc || !bmcTestable(bmc, password) || state.bmcTests[node].running) return;
      const operationId = newId();
      const patch = (test: BmcTestState): void =>
        set((current) =>
          current.bmcTests[node].operationId === operationId ? { bmcTests: { ...current.bmcTests, [node]: test } } : {},
        );
      set((current) => ({ bmcTests: { ...current.bmcTests, [node]: { running: true, operationId } } }));
      // SSH's own secrets only: this BMC's password travels once, as `password`.
      const { bmcPasswords: _bmcPasswords, ...secrets } = state.secrets() ?? {};
      try {
        const result = await client.testBmc({
          nodes: endpoints(),
          login: login(),
          ...(Object.keys(secrets).length > 0 && { secrets }),
          node,
          bmc: { address: bmc.address, port: bmc.port, user: bmc.user },
          password,
          operationId,
        });
        patch({ running: false, operationId, result });
      } catch (error) {
        patch({ running: false, operationId, error: errorInfoOf(error) });
      }
    },

    async commitDraft() {
      const state = get();
      const draft = state.draft;
      if (!draft) return !!state.sitePath;
      const problems = draftProblems(draft);
      if (problems.length > 0) {
        const first = problems[0];
        set({
          siteSaving: {
            ...state.siteSaving,
            running: false,
            error: {
              code: 'config',
              message: `The site has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}: ${problems.map(problemText).join(' ')}`,
              remedy: 'Correct the fields marked on Network roles, Disks and Options.',
              ...(first && { field: first.field }),
            },
          },
        });
        return false;
      }
      if (state.draftSource && state.draftBase && sameSite(draft, state.draftBase)) {
        if (state.sitePath !== state.draftSource) set((current) => freshPairFlow(current, state.draftSource ?? ''));
        set({ siteSaving: { running: false, committed: true, dirty: false }, handedOver: draft });
        return true;
      }
      set({ siteSaving: { ...state.siteSaving, running: true, error: undefined } });
      try {
        const saved = await client.saveSite({
          site: toSiteFile(draft) as Record<string, unknown>,
          notes: notesFor(draft, state.suggestion.result),
        });
        set((current) => ({
          ...freshPairFlow(current, saved.path),
          siteSaving: { running: false, savedPath: saved.path, committed: true, dirty: false },
          handedOver: draft,
        }));
        return true;
      } catch (error) {
        set((current) => ({ siteSaving: { ...current.siteSaving, running: false, error: errorInfoOf(error) } }));
        return false;
      }
    },

    async runVerify() {
      const state = get();
      if (!state.sitePath || state.verify.running) return;
      const operationId = newId();
      set({ verify: { running: true, operationId, ...(state.verify.result && { result: state.verify.result }) } });
      const secrets = state.secrets();
      try {
        const result = await client.verifyPair({ sitePath: state.sitePath, operationId, ...(secrets && { secrets }) });
        set({ verify: { running: false, result } });
      } catch (error) {
        set({ verify: { running: false, error: errorInfoOf(error) } });
      }
    },

    handleDraftProgress(event) {
      set((state) => {
        if (state.suggestion.running && state.suggestion.operationId === event.operationId)
          return { suggestion: { ...state.suggestion, progress: event.message } };
        if (state.verify.running && state.verify.operationId === event.operationId)
          return { verify: { ...state.verify, progress: event.message } };
        return {};
      });
    },
  };
  return actions;
}
