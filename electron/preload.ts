import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { CallArgs, CallName, Envelope, CallResult, LockstepBridge } from '../provisioning/api/contract';
import type { LockstepEvent } from '../provisioning/api/events';

/**
 * The sandboxed preload: it exposes `window.lockstep` with one NAMED function per call
 * of the contract, each bound to its own channel, and one event subscription. There is
 * no generic `invoke(channel)`: the renderer can reach nothing the contract does not name.
 * (Channel names are written out: a sandboxed preload cannot require our modules.)
 */
function call<N extends CallName>(name: N) {
  const channel = `lockstep:${name}`;
  return (args: CallArgs<N>): Promise<Envelope<CallResult<N>>> => ipcRenderer.invoke(channel, args);
}

const listeners = new Set<(event: LockstepEvent) => void>();
ipcRenderer.on('lockstep:event', (_sender: IpcRendererEvent, event: LockstepEvent) => {
  for (const listener of listeners) listener(event);
});

const bridge: LockstepBridge = {
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
  onEvent(listener) {
    listeners.add(listener);
    // Main queues events until the first subscriber says it is ready.
    if (listeners.size === 1) ipcRenderer.send('lockstep:ready');
    return () => {
      listeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('lockstep', bridge);
