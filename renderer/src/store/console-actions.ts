import { isDisruptive, type ActionRequest, type ActionResult } from '../../../provisioning/api/actions';
import type { ApplyEvent } from '../../../provisioning/api/apply-events';
import type { ValidateResult } from '../../../provisioning/api/contract';
import type { Secrets } from '../../../provisioning/api/endpoint';
import type { ErrorInfo } from '../../../provisioning/api/errors';
import { errorInfoOf, type LockstepClient } from '../api/api';
import { initialVmCreateForm, vmCreateRequestOf, type VmCreateField, type VmCreateForm } from '../model/vm-create-form';
import {
  allowedChecks,
  initialInstall,
  mergeAlerts,
  noSite,
  reduceInstall,
  reduceProgress,
  siteCallArgs,
  type InstallState,
  type PairFlowState,
} from './pair-flow';

/**
 * The console's actions as one slice of the wizard's store: a disruptive action is
 * first inspected (a dry run: what it would change, or why nothing is needed) and
 * shown for confirmation; then run. Alerts are acknowledged in the pair's event log;
 * "Re-run checks" runs validation and keeps its findings for the console.
 */
/** Where the console's one action at a time stands. */
export interface ConsoleActionState {
  /** An action waiting for the user's confirmation, with its plan once inspected. */
  readonly proposal?: {
    readonly request: ActionRequest;
    readonly planning: boolean;
    readonly plan?: ActionResult;
    readonly error?: ErrorInfo;
  };
  /** The action running now. */
  readonly running?: { readonly request: ActionRequest; readonly operationId: string };
  /** How the last action ended. */
  readonly last?: { readonly request: ActionRequest; readonly result?: ActionResult; readonly error?: ErrorInfo };
}

/** The console's own run of the checks (the Validate step keeps its own). */
export interface ConsoleChecksState {
  readonly running: boolean;
  readonly operationId?: string;
  readonly result?: ValidateResult;
  readonly error?: ErrorInfo;
}

/**
 * The console's "Create VM" dialog: the form, which fields show their errors (those
 * edited, or all once Create was pressed), and the engine run of the last create, its
 * steps folded from its `ApplyEvent`s exactly as the install's are.
 */
export interface CreateVmState {
  readonly open: boolean;
  readonly form: VmCreateForm;
  readonly shown: readonly VmCreateField[];
  /** Go on past the checks the practice lab's containers cannot pass (offered on the lab's site only). */
  readonly allowLab: boolean;
  /** The VM the run below creates. */
  readonly vm?: string;
  readonly run: InstallState;
}

/** The slice's state in the wizard's store. */
export interface ConsoleActionsSlice {
  readonly consoleAction: ConsoleActionState;
  readonly consoleChecks: ConsoleChecksState;
  readonly createVm: CreateVmState;
  /** Alert ids being acknowledged, and the last acknowledgement error. */
  readonly acknowledging: readonly string[];
  readonly ackError?: ErrorInfo;
}

/** The slice's actions. */
export interface ConsoleActionsActions {
  /** Disruptive: inspects and waits for `confirmAction`; otherwise runs at once. */
  proposeAction(request: ActionRequest): Promise<void>;
  confirmAction(): Promise<void>;
  dismissAction(): void;
  acknowledgeAlert(id: string): Promise<void>;
  recheck(): Promise<void>;
  /** Opens the dialog (a run in progress, or the last one's outcome, shows in it). */
  openCreateVm(): void;
  /** Closes the dialog; a running create goes on and shows when it is opened again. */
  closeCreateVm(): void;
  editCreateVm(patch: Partial<VmCreateForm>): void;
  setCreateVmAllowLab(allow: boolean): void;
  /** Checks the form with the contract's schema; when it holds, runs `createVm`. */
  submitCreateVm(): Promise<void>;
  cancelCreateVm(): Promise<void>;
  /** Folds an event of the running create into its steps (others are ignored). */
  handleConsoleEvent(event: { type: 'apply'; operationId: string; event: ApplyEvent } | { type: 'progress'; operationId: string; message: string }): void;
}

/** Nothing proposed, running or checked yet. */
export const initialConsoleActions: ConsoleActionsSlice = {
  consoleAction: {},
  consoleChecks: { running: false },
  createVm: { open: false, form: initialVmCreateForm, shown: [], allowLab: false, run: initialInstall },
  acknowledging: [],
};

/** The fields whose errors show after an edit of these. */
const FIELDS_OF: Readonly<Record<keyof VmCreateForm, readonly VmCreateField[]>> = {
  name: ['name'],
  diskSize: ['diskSize'],
  diskUnit: ['diskSize'],
  memory: ['memory'],
  vcpus: ['vcpus'],
  network: [],
  image: ['image'],
  level: ['level'],
};

const ALL_FIELDS: readonly VmCreateField[] = ['name', 'diskSize', 'memory', 'vcpus', 'image', 'level'];

type State = ConsoleActionsSlice & Pick<PairFlowState, 'sitePath' | 'console' | 'siteIsLab' | 'validation'>;
type Setter = (partial: Partial<State> | ((state: State) => Partial<State>)) => void;

/** The slice's actions, bound to the store and the API client. */
export function consoleActions(
  set: Setter,
  get: () => State & { readonly secrets: () => Secrets | undefined },
  client: LockstepClient,
  newId: () => string,
): ConsoleActionsActions {
  const site = () => siteCallArgs(get());

  const patchCreate = (patch: Partial<CreateVmState> | ((current: CreateVmState) => Partial<CreateVmState>)): void =>
    set((state) => ({ createVm: { ...state.createVm, ...(typeof patch === 'function' ? patch(state.createVm) : patch) } }));
  const patchRun = (patch: Partial<InstallState>): void => patchCreate((current) => ({ run: { ...current.run, ...patch } }));

  async function execute(request: ActionRequest): Promise<void> {
    const args = site();
    if (!args) {
      set({ consoleAction: { last: { request, error: noSite } } });
      return;
    }
    const operationId = newId();
    set({ consoleAction: { running: { request, operationId } } });
    try {
      const result = await client.runAction({ ...args, operationId, action: request });
      set({ consoleAction: { last: { request, result } } });
    } catch (error) {
      set({ consoleAction: { last: { request, error: errorInfoOf(error) } } });
    }
  }

  return {
    async proposeAction(request) {
      if (get().consoleAction.running) return;
      if (!isDisruptive(request)) return execute(request);
      const args = site();
      set({ consoleAction: { proposal: { request, planning: !!args, ...(!args && { error: noSite }) } } });
      if (!args) return;
      try {
        const plan = await client.runAction({ ...args, operationId: newId(), action: request, dryRun: true });
        set((state) =>
          state.consoleAction.proposal?.request === request ? { consoleAction: { proposal: { request, planning: false, plan } } } : {},
        );
      } catch (error) {
        set((state) =>
          state.consoleAction.proposal?.request === request
            ? { consoleAction: { proposal: { request, planning: false, error: errorInfoOf(error) } } }
            : {},
        );
      }
    },

    async confirmAction() {
      const proposal = get().consoleAction.proposal;
      if (!proposal || proposal.planning || proposal.error) return;
      await execute(proposal.request);
    },

    dismissAction() {
      set((state) => ({ consoleAction: { ...state.consoleAction, proposal: undefined } }));
    },

    async acknowledgeAlert(id) {
      const path = get().sitePath;
      if (!path) {
        set({ ackError: noSite });
        return;
      }
      set((state) => ({ acknowledging: [...state.acknowledging, id], ackError: undefined }));
      try {
        const { alert } = await client.ackAlert({ sitePath: path, alertId: id });
        set((state) => ({
          acknowledging: state.acknowledging.filter((each) => each !== id),
          console: { ...state.console, alerts: mergeAlerts(state.console.alerts, [alert]) },
        }));
      } catch (error) {
        set((state) => ({ acknowledging: state.acknowledging.filter((each) => each !== id), ackError: errorInfoOf(error) }));
      }
    },

    async recheck() {
      const args = site();
      if (!args) {
        set({ consoleChecks: { running: false, error: noSite } });
        return;
      }
      if (get().consoleChecks.running) return;
      const operationId = newId();
      set((state) => ({ consoleChecks: { ...state.consoleChecks, running: true, operationId, error: undefined } }));
      try {
        const result = await client.validate({ ...args, operationId });
        set({ consoleChecks: { running: false, result } });
      } catch (error) {
        set((state) => ({ consoleChecks: { ...state.consoleChecks, running: false, error: errorInfoOf(error) } }));
      }
    },

    openCreateVm() {
      patchCreate((current) => ({ open: true, allowLab: current.run.running ? current.allowLab : get().validation.allowLab }));
    },

    closeCreateVm() {
      patchCreate({ open: false });
    },

    editCreateVm(patch) {
      if (get().createVm.run.running) return;
      const edited = (Object.keys(patch) as (keyof VmCreateForm)[]).flatMap((key) => FIELDS_OF[key]);
      patchCreate((current) => ({
        form: { ...current.form, ...patch },
        shown: [...new Set([...current.shown, ...edited])],
      }));
    },

    setCreateVmAllowLab(allow) {
      if (!get().createVm.run.running) patchCreate({ allowLab: allow });
    },

    async submitCreateVm() {
      const { createVm } = get();
      if (createVm.run.running) return;
      const checked = vmCreateRequestOf(createVm.form);
      if (!checked.request) {
        patchCreate({ shown: ALL_FIELDS });
        return;
      }
      const request = checked.request;
      const args = site();
      if (!args) {
        patchCreate({ vm: request.vm, run: { ...initialInstall, error: noSite } });
        return;
      }
      const operationId = newId();
      patchCreate({ vm: request.vm, run: { ...initialInstall, running: true, operationId, startedAt: Date.now() } });
      const allowChecks = allowedChecks({ siteIsLab: get().siteIsLab, validation: { ...get().validation, allowLab: createVm.allowLab } });
      try {
        const result = await client.createVm({ ...args, operationId, request, allowChecks });
        patchRun({ running: false, cancelling: false, finishedAt: Date.now(), result });
      } catch (error) {
        patchRun({ running: false, cancelling: false, finishedAt: Date.now(), error: errorInfoOf(error) });
      }
    },

    async cancelCreateVm() {
      const { run } = get().createVm;
      if (!run.operationId || !run.running) return;
      patchRun({ cancelling: true });
      try {
        await client.cancel({ operationId: run.operationId });
      } catch (error) {
        patchRun({ cancelling: false, error: errorInfoOf(error) });
      }
    },

    handleConsoleEvent(event) {
      const { run } = get().createVm;
      if (run.operationId !== event.operationId || !run.running) return;
      patchCreate({ run: event.type === 'apply' ? reduceInstall(run, event.event) : reduceProgress(run, event.message) });
    },
  };
}
