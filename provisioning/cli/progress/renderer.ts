import type { ApplyEvent } from '../../api/apply-events';
import { emptyProgress, formatEventLine, reduceProgress, renderProgress, type ProgressState } from './format';

/**
 * Shows a run to a person. On a terminal: a live display redrawn in place (spinner,
 * per-node step lines, elapsed time, the running step's last log line). Elsewhere
 * (a pipe, a CI log): one line per finished step. `--json` does not use this: it
 * prints the events themselves as NDJSON.
 */
export interface ProgressView {
  onEvent(event: ApplyEvent): void;
  /** Draws the final state and stops the timer. */
  stop(): void;
}

export function progressView(stream: NodeJS.WriteStream, options: { tty?: boolean; now?: () => number } = {}): ProgressView {
  const now = options.now ?? Date.now;
  if (!(options.tty ?? stream.isTTY)) {
    let labels = { a: 'a', b: 'b' };
    return {
      onEvent(event) {
        if (event.type === 'run-started') labels = event.nodes;
        const line = formatEventLine(event, labels);
        if (line !== undefined) stream.write(`${line}\n`);
      },
      stop() {},
    };
  }
  let state: ProgressState = emptyProgress();
  let drawn = 0;
  let tick = 0;
  const draw = (): void => {
    if (state.steps.length === 0) return;
    const lines = renderProgress(state, now(), tick, Math.max(40, (stream.columns ?? 100) - 1));
    // Move to the first line we drew, clear to the end of the screen, draw again.
    stream.write(`${drawn > 0 ? `\x1b[${drawn}F` : ''}\x1b[J${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const timer = setInterval(() => {
    tick += 1;
    draw();
  }, 100);
  timer.unref();
  return {
    onEvent(event) {
      state = reduceProgress(state, event);
      draw();
    },
    stop() {
      clearInterval(timer);
      draw();
    },
  };
}
