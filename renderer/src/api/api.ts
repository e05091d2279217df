import type {
  Envelope,
  CallArgs,
  CallName,
  CallResult,
  LockstepBridge,
} from '../../../provisioning/api/contract';
import type { ErrorInfo } from '../../../provisioning/api/errors';
import type { LockstepEvent } from '../../../provisioning/api/events';
import { createWebClient } from './web-client';

declare global {
  interface Window {
    /** Set by Electron's preload; absent in a browser, where the web bridge serves the same calls. */
    readonly lockstep?: LockstepBridge;
  }
}

/** An engine error as the UI receives it: the contract's code, message and remedy. */
export class ApiError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
  }
}

/** The calls as the UI uses them: results, or an `ApiError` thrown with the contract's info. */
export type LockstepClient = { readonly [N in CallName]: (args: CallArgs<N>) => Promise<CallResult<N>> } & {
  readonly onEvent: (listener: (event: LockstepEvent) => void) => () => void;
};

/** Unwraps a door's envelopes into results or thrown `ApiError`s. */
export function clientFor(bridge: LockstepBridge): LockstepClient {
  const call =
    <N extends CallName>(name: N) =>
    async (args: CallArgs<N>): Promise<CallResult<N>> => {
      const invoke = bridge[name] as unknown as (args: CallArgs<N>) => Promise<Envelope<CallResult<N>>>;
      const envelope = await invoke(args);
      if (envelope.ok) return envelope.result;
      throw new ApiError(envelope.error);
    };
  return {
    appInfo: call('appInfo'),
    labStatus: call('labStatus'),
    labUp: call('labUp'),
    labDown: call('labDown'),
    discover: call('discover'),
    readHostKey: call('readHostKey'),
    trust: call('trust'),
    probe: call('probe'),
    loadSiteFile: call('loadSiteFile'),
    validateSiteField: call('validateSiteField'),
    suggestSite: call('suggestSite'),
    saveSite: call('saveSite'),
    verifyPair: call('verifyPair'),
    validate: call('validate'),
    plan: call('plan'),
    apply: call('apply'),
    cancel: call('cancel'),
    watchPair: call('watchPair'),
    runAction: call('runAction'),
    createVm: call('createVm'),
    ackAlert: call('ackAlert'),
    testBmc: call('testBmc'),
    onEvent: (listener) => bridge.onEvent(listener),
  };
}

/** Turns anything thrown into the contract's error shape for display. */
export function errorInfoOf(error: unknown): ErrorInfo {
  if (error instanceof ApiError) return error.info;
  return {
    code: 'internal',
    message: error instanceof Error ? error.message : String(error),
    remedy: 'This is a bug in Lockstep. Reload the window; if it happens again, report it.',
  };
}

let current: LockstepClient | undefined;

/**
 * The one API of the renderer. It takes Electron's preload bridge when there is one
 * and the web bridge otherwise; nothing else in the renderer knows which door it is.
 */
export function api(): LockstepClient {
  current ??= clientFor(window.lockstep ?? createWebClient());
  return current;
}
