import type { ApplyEvent, DecisionInfo, StepFailure, StepInfo, StepTarget } from '../../../provisioning/api/apply-events';
import {
  LAB_ALLOWED_CHECKS,
  type ApplyResultView,
  type AreaFinding,
  type PlanResult,
  type ValidateResult,
} from '../../../provisioning/api/contract';
import type { Secrets } from '../../../provisioning/api/endpoint';
import type { ErrorInfo } from '../../../provisioning/api/errors';
import type { Alert, MonitorEvent, PairHistory, PairState } from '../../../provisioning/api/monitor';
import { appendSample, emptyHistory } from '../console/history';
import { errorInfoOf, type LockstepClient } from '../api/api';

/**
 * Steps 8–12 of the flow on the opened site file: Validate, Plan, Install and the
 * Console, as one slice of the wizard's store. The reducers that fold engine events
 * into what the screens show are pure and exported for their tests.
 */

export interface ValidationState {
  readonly running: boolean;
  /** The check id being re-run on its own (`only`), while it runs. */
  readonly rerunning?: string;
  readonly progress?: string;
  readonly operationId?: string;
  readonly result?: ValidateResult;
  readonly error?: ErrorInfo;
  /** The user chose to go on past the checks the practice lab's containers cannot pass. */
  readonly allowLab: boolean;
}

export interface PlanningState {
  readonly running: boolean;
  readonly progress?: string;
  readonly operationId?: string;
  readonly result?: PlanResult;
  readonly error?: ErrorInfo;
}

/** A step on one target, as the install list shows it. */
export interface TargetStatus {
  readonly state: 'pending' | 'running' | 'changed' | 'noop' | 'failed' | 'interrupted';
  readonly decision?: DecisionInfo;
  readonly reason?: string;
  readonly changes?: readonly string[];
  readonly failure?: StepFailure;
  readonly durationMs?: number;
  readonly retrying?: string;
}

export interface InstallState {
  readonly running: boolean;
  readonly cancelling: boolean;
  readonly operationId?: string;
  /** Milliseconds since the epoch, on this computer. */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly progress?: string;
  readonly nodes?: { readonly a: string; readonly b: string };
  /** The servers' names from the plan, for headings (the events name addresses). */
  readonly hostnames?: { readonly a: string; readonly b: string };
  readonly steps: readonly StepInfo[];
  /** Keyed by `targetKey(step, target)`. */
  readonly status: Readonly<Record<string, TargetStatus>>;
  readonly log: readonly string[];
  /** The run's closing words (run-finished / run-cancelled). */
  readonly message?: string;
  readonly result?: ApplyResultView;
  readonly error?: ErrorInfo;
}

export interface ConsoleState {
  readonly starting: boolean;
  readonly operationId?: string;
  readonly state?: PairState;
  readonly alerts: readonly Alert[];
  /** The charts' series over the last hour (the watch's first answer, then one sample per poll). */
  readonly history: PairHistory;
  readonly error?: ErrorInfo;
}

export interface PairFlowState {
  /** The site file steps 8–12 work on: the one opened on Start, or the practice lab's. */
  readonly sitePath?: string;
  /** The site is the practice lab's (the lab-only checkbox is offered). */
  readonly siteIsLab: boolean;
  readonly validation: ValidationState;
  readonly planning: PlanningState;
  readonly install: InstallState;
  readonly console: ConsoleState;
}

export interface PairFlowActions {
  /** Runs every check, or re-runs `only` these and merges their findings in. */
  validate(only?: readonly string[]): Promise<void>;
  setAllowLab(allow: boolean): void;
  makePlan(): Promise<void>;
  startInstall(): Promise<void>;
  cancelInstall(): Promise<void>;
  startWatch(): Promise<void>;
  stopWatch(): Promise<void>;
  /** Folds a step-8–12 event into the state; false when the event is not one of these. */
  handlePairEvent(event: { type: 'apply'; operationId: string; event: ApplyEvent } | { type: 'monitor'; operationId: string; event: MonitorEvent } | { type: 'progress'; operationId: string; message: string }): void;
}

const LOG_LINES = 300;

export const initialInstall: InstallState = { running: false, cancelling: false, steps: [], status: {}, log: [] };

export const initialPairFlow: PairFlowState = {
  siteIsLab: false,
  validation: { running: false, allowLab: false },
  planning: { running: false },
  install: initialInstall,
  console: { starting: false, alerts: [], history: emptyHistory },
};

/** The key of a step on one target in `InstallState.status`. */
export function targetKey(step: string, target: StepTarget): string {
  return `${step}|${target}`;
}

/** The check ids the run goes on past: the lab's container-only failures, when the user said so. */
export function allowedChecks(state: Pick<PairFlowState, 'siteIsLab' | 'validation'>): string[] {
  return state.siteIsLab && state.validation.allowLab ? [...LAB_ALLOWED_CHECKS] : [];
}

/** The `fail` findings that still stop the flow (those not accepted through the lab checkbox). */
export function blockingFails(findings: readonly AreaFinding[], allowed: readonly string[]): AreaFinding[] {
  return findings.filter((finding) => finding.severity === 'fail' && !allowed.includes(finding.id));
}

/** Whether Continue is open on Validate: a result, no connection failure, no blocking fail. */
export function validationPassed(state: Pick<PairFlowState, 'siteIsLab' | 'validation'>): boolean {
  const result = state.validation.result;
  if (!result || state.validation.running) return false;
  return !result.connectionFailed && blockingFails(result.findings, allowedChecks(state)).length === 0;
}

/** Replaces the findings of the re-run check ids with their fresh ones, in place. */
export function mergeFindings(
  previous: readonly AreaFinding[],
  fresh: readonly AreaFinding[],
  only: readonly string[],
): AreaFinding[] {
  const merged: AreaFinding[] = [];
  const inserted = new Set<string>();
  for (const finding of previous) {
    if (!only.includes(finding.id)) {
      merged.push(finding);
      continue;
    }
    if (inserted.has(finding.id)) continue;
    inserted.add(finding.id);
    merged.push(...fresh.filter((each) => each.id === finding.id));
  }
  merged.push(...fresh.filter((each) => !inserted.has(each.id) && !previous.some((old) => old.id === each.id)));
  return merged;
}

/** The install's view after one more engine event. */
export function reduceInstall(state: InstallState, event: ApplyEvent): InstallState {
  const line = (text: string): readonly string[] => [...state.log, text].slice(-LOG_LINES);
  const patch = (step: string, target: StepTarget, value: Partial<TargetStatus>): InstallState['status'] => {
    const key = targetKey(step, target);
    return { ...state.status, [key]: { ...(state.status[key] ?? { state: 'pending' }), ...value } };
  };
  const where = (target: StepTarget): string =>
    target === 'pair' ? 'pair' : (state.nodes?.[target] ?? target);
  switch (event.type) {
    case 'run-started': {
      const status: Record<string, TargetStatus> = {};
      for (const step of event.steps)
        for (const target of step.scope === 'node' ? (['a', 'b'] as const) : (['pair'] as const))
          status[targetKey(step.id, target)] = { state: 'pending' };
      return {
        ...state,
        progress: undefined,
        nodes: event.nodes,
        steps: event.steps,
        status,
        log: [...state.log, `Run ${event.runId}: ${event.steps.length} steps on ${event.nodes.a} and ${event.nodes.b}`].slice(-LOG_LINES),
      };
    }
    case 'step-started':
      return { ...state, status: patch(event.step, event.target, { state: 'running', retrying: undefined }) };
    case 'step-decided':
      return { ...state, status: patch(event.step, event.target, { decision: event.decision }) };
    case 'step-log':
      return { ...state, log: line(`[${where(event.target)}] ${event.line}`) };
    case 'step-retry':
      return {
        ...state,
        status: patch(event.step, event.target, {
          retrying: `${event.error.message} Trying again (${event.retriesLeft} left).`,
        }),
        log: line(`[${where(event.target)}] ${event.step}: ${event.error.message}; retrying in ${Math.round(event.delayMs / 1000)} s`),
      };
    case 'step-finished':
      return {
        ...state,
        status: patch(event.step, event.target, {
          state: event.outcome,
          durationMs: event.durationMs,
          retrying: undefined,
          ...(event.reason !== undefined && { reason: event.reason }),
          ...(event.changes && { changes: event.changes }),
          ...(event.failure && { failure: event.failure }),
        }),
        log: line(`[${where(event.target)}] ${event.step}: ${event.outcome}${event.reason ? ` (${event.reason})` : ''}`),
      };
    case 'run-finished':
    case 'run-cancelled':
      return { ...state, message: event.message, log: line(event.message) };
    default:
      return assertNever(event);
  }
}

/** The install's view after a progress message of its call (opening the pair, validating): a status line and a log line. */
export function reduceProgress(state: InstallState, message: string): InstallState {
  return { ...state, progress: message, log: [...state.log, `… ${message}`].slice(-LOG_LINES) };
}

function assertNever(value: never): never {
  throw new Error(`unexpected event ${JSON.stringify(value)}`);
}

type Setter = (partial: Partial<PairFlowState> | ((state: PairFlowState) => Partial<PairFlowState>)) => void;

/** What every call on the opened site takes: its path and the secrets typed on "Connect and trust". */
export interface SiteCallArgs {
  readonly sitePath: string;
  readonly secrets?: Secrets;
}

/** The site call arguments of the store's state, or undefined when no site file is open. */
export function siteCallArgs(state: { readonly sitePath?: string; readonly secrets: () => Secrets | undefined }): SiteCallArgs | undefined {
  if (!state.sitePath) return undefined;
  const secrets = state.secrets();
  return { sitePath: state.sitePath, ...(secrets && { secrets }) };
}

/** The error of a call made before a site file is open. */
export const noSite: ErrorInfo = {
  code: 'usage',
  message: 'No site file is open.',
  remedy: 'Open a site file on Start, or use the practice lab (it writes one).',
};

/** The slice's actions, bound to the store and the API client. */
export function pairFlowActions(
  set: Setter,
  get: () => PairFlowState & { readonly secrets: () => Secrets | undefined },
  client: LockstepClient,
  newId: () => string,
): PairFlowActions {
  const site = (): SiteCallArgs | undefined => siteCallArgs(get());

  return {
    async validate(only) {
      const args = site();
      if (!args) {
        set((state) => ({ validation: { ...state.validation, error: noSite } }));
        return;
      }
      if (get().validation.running) return;
      const operationId = newId();
      const ids = only ? [...only] : [];
      set((state) => ({
        validation: {
          ...state.validation,
          running: true,
          operationId,
          progress: undefined,
          error: undefined,
          rerunning: ids[0],
          ...(ids.length === 0 && { result: undefined }),
        },
        planning: { running: false },
      }));
      try {
        const result = await client.validate({ ...args, operationId, ...(ids.length > 0 && { only: ids }) });
        set((state) => {
          const previous = state.validation.result;
          const merged =
            ids.length > 0 && previous
              ? {
                  ...previous,
                  findings: mergeFindings(previous.findings, result.findings, ids),
                }
              : result;
          return {
            validation: {
              ...state.validation,
              running: false,
              rerunning: undefined,
              result: { ...merged, failed: merged.findings.some((finding) => finding.severity === 'fail') },
            },
          };
        });
      } catch (error) {
        set((state) => ({
          validation: { ...state.validation, running: false, rerunning: undefined, error: errorInfoOf(error) },
        }));
      }
    },

    setAllowLab(allow) {
      set((state) => ({ validation: { ...state.validation, allowLab: allow }, planning: { running: false } }));
    },

    async makePlan() {
      const args = site();
      if (!args) {
        set({ planning: { running: false, error: noSite } });
        return;
      }
      const operationId = newId();
      set({ planning: { running: true, operationId } });
      try {
        const result = await client.plan({ ...args, operationId, allowChecks: allowedChecks(get()) });
        set({ planning: { running: false, result } });
      } catch (error) {
        set({ planning: { running: false, error: errorInfoOf(error) } });
      }
    },

    async startInstall() {
      const args = site();
      if (!args) {
        set({ install: { ...initialInstall, error: noSite } });
        return;
      }
      if (get().install.running) return;
      const operationId = newId();
      const plan = get().planning.result?.plan;
      set({
        install: {
          ...initialInstall,
          running: true,
          operationId,
          startedAt: Date.now(),
          ...(plan && { hostnames: { a: plan.nodes.a.hostname, b: plan.nodes.b.hostname } }),
        },
      });
      try {
        const result = await client.apply({ ...args, operationId, allowChecks: allowedChecks(get()) });
        set((state) => ({
          install: { ...state.install, running: false, cancelling: false, finishedAt: Date.now(), result },
        }));
      } catch (error) {
        set((state) => ({
          install: {
            ...state.install,
            running: false,
            cancelling: false,
            finishedAt: Date.now(),
            error: errorInfoOf(error),
          },
        }));
      }
    },

    async cancelInstall() {
      const operationId = get().install.operationId;
      if (!operationId || !get().install.running) return;
      set((state) => ({ install: { ...state.install, cancelling: true } }));
      try {
        await client.cancel({ operationId });
      } catch (error) {
        set((state) => ({ install: { ...state.install, cancelling: false, error: errorInfoOf(error) } }));
      }
    },

    async startWatch() {
      const args = site();
      if (!args) {
        set({ console: { starting: false, alerts: [], history: emptyHistory, error: noSite } });
        return;
      }
      const current = get().console;
      if (current.starting || (current.operationId && current.state)) return;
      const operationId = newId();
      set({ console: { starting: true, operationId, alerts: current.alerts, history: current.history } });
      try {
        const result = await client.watchPair({ ...args, operationId });
        set((state) => {
          if (state.console.operationId !== operationId) return {};
          return {
            console: {
              ...state.console,
              starting: false,
              state: state.console.state && state.console.state.at > result.state.at ? state.console.state : result.state,
              alerts: mergeAlerts(result.recentAlerts, state.console.alerts),
              history: result.history,
            },
          };
        });
      } catch (error) {
        set((state) => ({ console: { ...state.console, starting: false, operationId: undefined, error: errorInfoOf(error) } }));
      }
    },

    async stopWatch() {
      const operationId = get().console.operationId;
      if (!operationId) return;
      set((state) => ({ console: { ...state.console, operationId: undefined, starting: false } }));
      try {
        await client.cancel({ operationId });
      } catch {
        // The watch ends with the session anyway.
      }
    },

    handlePairEvent(event) {
      switch (event.type) {
        case 'apply':
          set((state) =>
            state.install.operationId === event.operationId
              ? { install: reduceInstall(state.install, event.event) }
              : {},
          );
          return;
        case 'monitor':
          set((state) => {
            if (state.console.operationId !== event.operationId) return {};
            const monitor = event.event;
            switch (monitor.type) {
              case 'state':
                return { console: { ...state.console, state: monitor.state } };
              case 'alert':
                return { console: { ...state.console, alerts: mergeAlerts(state.console.alerts, [monitor.alert]) } };
              case 'sample':
                return { console: { ...state.console, history: appendSample(state.console.history, monitor.sample, monitor.labels) } };
              default:
                return assertNever(monitor);
            }
          });
          return;
        case 'progress':
          set((state) => {
            if (state.validation.operationId === event.operationId && state.validation.running)
              return { validation: { ...state.validation, progress: event.message } };
            if (state.planning.operationId === event.operationId && state.planning.running)
              return { planning: { ...state.planning, progress: event.message } };
            if (state.install.operationId === event.operationId && state.install.running)
              return { install: reduceProgress(state.install, event.message) };
            return {};
          });
          return;
        default:
          assertNever(event);
      }
    },
  };
}

/** Alerts newest last, each once (an acknowledged copy wins), at most 50. */
export function mergeAlerts(older: readonly Alert[], newer: readonly Alert[]): Alert[] {
  const byId = new Map<string, Alert>();
  for (const alert of [...older, ...newer]) {
    const known = byId.get(alert.id);
    byId.set(alert.id, known?.acknowledgedAt && !alert.acknowledgedAt ? known : alert);
  }
  return [...byId.values()].slice(-50);
}
