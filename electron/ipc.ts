import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { callNames, channelOf, EVENT_CHANNEL, type Envelope } from '../provisioning/api/contract';
import type { LockstepEvent } from '../provisioning/api/events';
import { dispatch } from '../provisioning/service/dispatch';
import type { LockstepService } from '../provisioning/service/service';

/** The origin the app's own pages are served from (see `protocol.ts`). */
export const APP_ORIGIN = 'app://lockstep';

/**
 * Whether a URL is one of the app's own pages. (Node's URL gives non-special schemes
 * the origin "null", so scheme and host are compared instead of `origin`.)
 */
export function isAppUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'app:' && url.host === 'lockstep';
  } catch {
    return false;
  }
}

/** Whether an IPC message comes from our own top-level page, not a frame or a foreign page. */
export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'senderFrame'>,
  mainFrameOf: () => unknown,
): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  return isAppUrl(frame.url) && frame === mainFrameOf();
}

/** The minimum of ipcMain this module needs (tests pass a fake). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, args: unknown) => Promise<unknown>): void;
  on(channel: string, listener: (event: { sender: WebContents }) => void): void;
}

/**
 * Registers one handler per call of the contract. Each checks the sender's frame and
 * origin, parses the argument with the contract's schema (in `dispatch`) and returns
 * the envelope: Electron would strip an error's properties, so nothing is thrown.
 */
export function registerIpc(
  ipcMain: IpcMainLike,
  service: LockstepService,
  mainFrameOf: () => unknown,
): void {
  for (const name of callNames) {
    ipcMain.handle(channelOf(name), async (event, args): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event, mainFrameOf)) {
        return {
          ok: false,
          error: {
            code: 'usage',
            message: 'Refused: this call did not come from the Lockstep window.',
            remedy: 'Use the Lockstep window.',
          },
        };
      }
      return (await dispatch(service.api, name, args)).envelope;
    });
  }
}

/**
 * Forwards engine events to a window, queued until its renderer subscribes
 * (`lockstep:ready`), so that nothing emitted during start-up is lost.
 */
export function forwardEvents(
  ipcMain: IpcMainLike,
  service: LockstepService,
  contents: WebContents,
): () => void {
  const queue: LockstepEvent[] = [];
  let ready = false;
  const send = (event: LockstepEvent): void => {
    if (contents.isDestroyed()) return;
    if (ready) contents.send(EVENT_CHANNEL, event);
    else if (queue.length < 1000) queue.push(event);
  };
  ipcMain.on('lockstep:ready', (event) => {
    if (event.sender !== contents || !isAppUrl(contents.getURL()) || ready) return;
    ready = true;
    for (const queued of queue.splice(0)) contents.send(EVENT_CHANNEL, queued);
  });
  return service.events.subscribe(send);
}
