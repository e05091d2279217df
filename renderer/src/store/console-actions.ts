import { isDisruptive, type ActionRequest, type ActionResult } from '../../../provisioning/api/actions';
import type { ValidateResult } from '../../../provisioning/api/contract';
import type { Secrets } from '../../../provisioning/api/endpoint';
import type { ErrorInfo } from '../../../provisioning/api/errors';
import { errorInfoOf, type LockstepClient } from '../api/api';
import { mergeAlerts, noSite, siteCallArgs, type PairFlowState } from './pair-flow';

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

/** The slice's state in the wizard's store. */
export interface ConsoleActionsSlice {
  readonly consoleAction: ConsoleActionState;
  readonly consoleChecks: ConsoleChecksState;
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
}

/** Nothing proposed, running or checked yet. */
export const initialConsoleActions: ConsoleActionsSlice = {
  consoleAction: {},
  consoleChecks: { running: false },
  acknowledging: [],
};

type State = ConsoleActionsSlice & Pick<PairFlowState, 'sitePath' | 'console'>;
type Setter = (partial: Partial<State> | ((state: State) => Partial<State>)) => void;

/** The slice's actions, bound to the store and the API client. */
export function consoleActions(
  set: Setter,
  get: () => State & { readonly secrets: () => Secrets | undefined },
  client: LockstepClient,
  newId: () => string,
): ConsoleActionsActions {
  const site = () => siteCallArgs(get());

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
  };
}
