import type { LockstepEvent } from '../api/events';

/** Receives engine events; a door forwards them to its UI (IPC, HTTP event stream). */
export type EventListener = (event: LockstepEvent) => void;

/**
 * Fans the engine's events out to every connected UI. A listener that throws is
 * dropped from that one delivery, never allowed to break the engine's work.
 */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: LockstepEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken consumer must not stop the operation that emitted the event.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}

/** The time stamp events carry. */
export function now(): string {
  return new Date().toISOString();
}
