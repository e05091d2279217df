import type { ApplyEvent, Plan, PlannedStep, PreviousRun, StepFailure, StepOutcome, StepTarget } from '../../api/apply-events';

/**
 * Human text for `plan` and `apply`: pure functions of plans, events and the clock,
 * so every line a person reads is unit-tested. The TTY renderer (renderer.ts) only
 * decides when to redraw.
 */

/** `0.4s`, `12s`, `3m 05s`, `1h 02m`. */
export function formatElapsed(ms: number): string {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;

export function spinnerFrame(tick: number): string {
  return SPINNER_FRAMES[Math.abs(tick) % SPINNER_FRAMES.length] ?? '-';
}

const MARKS: Record<StepOutcome, string> = { changed: '✓', noop: '✓', failed: '✗', interrupted: '!' };

/** What a run's previous attempt left, in one line (or none when it finished). */
export function formatPreviousRun(previous: PreviousRun | null, labels: Record<'a' | 'b', string>): string | undefined {
  if (!previous || previous.ending === 'finished') return undefined;
  const how = { failed: 'failed', cancelled: 'was cancelled', interrupted: 'was interrupted (the process ended)' }[previous.ending];
  const where = previous.unfinished
    .map((point) => `${point.step} on ${point.target === 'pair' ? 'the pair' : labels[point.target]} (${point.status})`)
    .join(', ');
  return `The last run (${previous.runId}) ${how}${where ? ` at ${where}` : ''}; its steps are inspected again and finished.`;
}

// ---------------------------------------------------------------------------
// plan

/** The plan, per server: "will change" with its changes (and commands on demand) or "already done (reason)". */
export function formatPlan(plan: Plan, options: { showCommands?: boolean } = {}): string {
  const applicable = plan.steps.filter((step) => step.applicable);
  const nodeSteps = applicable.filter((step) => step.scope === 'node');
  const pairSteps = applicable.filter((step) => step.scope === 'pair');
  const changing = applicable.filter((step) => Object.values(step.decisions).some((decision) => decision?.kind === 'change'));
  const lines: string[] = [];
  lines.push(
    `Plan for pair ${plan.pair}: ${applicable.length} steps, ${changing.length === 0 ? 'nothing to change' : `${changing.length} will change`}, ${applicable.length - changing.length} already done`,
  );
  const previous = formatPreviousRun(plan.previousRun, { a: plan.nodes.a.label, b: plan.nodes.b.label });
  if (previous) lines.push(previous);
  const width = Math.max(0, ...applicable.map((step) => step.id.length));
  for (const target of ['a', 'b'] as const) {
    lines.push('', `${plan.nodes[target].label} (${plan.nodes[target].hostname}, node ${target})`);
    for (const step of nodeSteps) lines.push(...stepLines(step, target, width, options));
  }
  if (pairSteps.length > 0) {
    lines.push('', 'Both servers together (pair steps, run once both are ready)');
    for (const step of pairSteps) lines.push(...stepLines(step, 'pair', width, options));
  }
  const skipped = plan.steps.filter((step) => !step.applicable);
  if (skipped.length > 0) lines.push('', `Not applicable to this site: ${skipped.map((step) => step.id).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function stepLines(step: PlannedStep, target: StepTarget, width: number, options: { showCommands?: boolean }): string[] {
  const decision = step.decisions[target];
  if (!decision) return [];
  const head = `  ${step.id.padEnd(width)}  `;
  if (decision.kind === 'noop') return [`${head}already done (${decision.reason})`];
  const lines = [`${head}will change: ${step.title}`];
  for (const change of decision.changes) {
    lines.push(`      - ${change.summary}`);
    if (options.showCommands) for (const command of change.commands) lines.push(...command.split('\n').map((line, index) => `          ${index === 0 ? '$ ' : '  '}${line}`));
  }
  return lines;
}

// ---------------------------------------------------------------------------
// apply

/** What the progress display knows about one step on one target. */
export interface TargetProgress {
  readonly state: 'running' | StepOutcome;
  readonly startedAt: number;
  readonly durationMs?: number;
  readonly lastLine?: string;
  readonly retrying?: string;
}

/** The progress display's model, built from events (`reduceProgress`). */
export interface ProgressState {
  readonly pair: string;
  readonly labels: { readonly a: string; readonly b: string };
  readonly startedAt: number;
  readonly steps: readonly { readonly id: string; readonly title: string; readonly scope: 'node' | 'pair' }[];
  readonly targets: Readonly<Record<string, TargetProgress>>;
  readonly finished?: { readonly ok: boolean; readonly message: string; readonly cancelled: boolean };
}

export const emptyProgress = (): ProgressState => ({ pair: '', labels: { a: 'a', b: 'b' }, startedAt: 0, steps: [], targets: {} });

const key = (step: string, target: StepTarget): string => `${step}@${target}`;

/** Folds one event into the display model; `at` is the event's time in ms. */
export function reduceProgress(state: ProgressState, event: ApplyEvent): ProgressState {
  const at = Date.parse(event.at);
  switch (event.type) {
    case 'run-started':
      return { ...state, pair: event.pair, labels: event.nodes, startedAt: at, steps: event.steps };
    case 'step-started':
      return { ...state, targets: { ...state.targets, [key(event.step, event.target)]: { state: 'running', startedAt: at } } };
    case 'step-decided':
    case 'step-log':
    case 'step-retry': {
      const current = state.targets[key(event.step, event.target)] ?? { state: 'running' as const, startedAt: at };
      const update =
        event.type === 'step-log'
          ? { lastLine: event.line, retrying: undefined }
          : event.type === 'step-retry'
            ? { retrying: `connection lost, retrying (${event.retriesLeft} left)` }
            : { lastLine: event.decision.kind === 'noop' ? 'already done' : event.decision.changes.map((change) => change.summary).join('; ') };
      return { ...state, targets: { ...state.targets, [key(event.step, event.target)]: { ...current, ...update } } };
    }
    case 'step-finished': {
      const current = state.targets[key(event.step, event.target)] ?? { startedAt: at };
      return {
        ...state,
        targets: {
          ...state.targets,
          [key(event.step, event.target)]: { ...current, state: event.outcome, durationMs: event.durationMs, retrying: undefined },
        },
      };
    }
    case 'run-finished':
      return { ...state, finished: { ok: event.ok, message: event.message, cancelled: false } };
    case 'run-cancelled':
      return { ...state, finished: { ok: false, message: event.message, cancelled: true } };
  }
}

function targetText(progress: TargetProgress | undefined, label: string, now: number, tick: number): string {
  if (!progress) return `${label}: waiting`;
  if (progress.state === 'running')
    return `${label}: ${spinnerFrame(tick)} ${formatElapsed(now - progress.startedAt)}${progress.retrying ? ` ${progress.retrying}` : ''}`;
  const word = { changed: 'changed', noop: 'already done', failed: 'FAILED', interrupted: 'interrupted' }[progress.state];
  return `${label}: ${word} ${formatElapsed(progress.durationMs ?? 0)}`;
}

/**
 * The live display: a header with the elapsed time, one line per step that started
 * (spinner while it runs, per-node outcome and time), the last log line of a running
 * step, and how many steps are still to come.
 */
export function renderProgress(state: ProgressState, now: number, tick: number, width = 100): string[] {
  const clip = (text: string): string => (text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text);
  const lines = [clip(`Applying pair ${state.pair} — ${formatElapsed(now - state.startedAt)}`)];
  let waiting = 0;
  for (const step of state.steps) {
    const targets: StepTarget[] = step.scope === 'node' ? ['a', 'b'] : ['pair'];
    const progress = targets.map((target) => state.targets[key(step.id, target)]);
    if (progress.every((entry) => entry === undefined)) {
      waiting += 1;
      continue;
    }
    const running = progress.some((entry) => entry?.state === 'running');
    const failed = progress.find((entry) => entry?.state === 'failed' || entry?.state === 'interrupted');
    const mark = running ? spinnerFrame(tick) : failed ? MARKS[failed.state as StepOutcome] : '✓';
    const parts = targets.map((target, index) =>
      targetText(progress[index], target === 'pair' ? 'pair' : state.labels[target], now, tick),
    );
    lines.push(clip(`${mark} ${step.title}  ${parts.join('  ')}`));
    if (running)
      for (const [index, target] of targets.entries()) {
        const entry = progress[index];
        if (entry?.state === 'running' && entry.lastLine)
          lines.push(clip(`    ${target === 'pair' ? '' : `${state.labels[target]} `}│ ${entry.lastLine}`));
      }
  }
  if (waiting > 0 && !state.finished) lines.push(`  … ${waiting} more step${waiting === 1 ? '' : 's'}`);
  if (state.finished) lines.push(state.finished.message);
  return lines;
}

/** One line per finished step (no TTY: a log, not a display); undefined for events not shown. */
export function formatEventLine(event: ApplyEvent, labels: { a: string; b: string }): string | undefined {
  const where = (target: StepTarget): string => (target === 'pair' ? 'pair' : labels[target]);
  switch (event.type) {
    case 'run-started':
      return `Applying pair ${event.pair}: ${event.steps.length} steps (journal ${event.journal})`;
    case 'step-finished': {
      const what =
        event.outcome === 'noop'
          ? `already done (${event.reason ?? ''})`
          : event.outcome === 'changed'
            ? `changed: ${(event.changes ?? []).join('; ')}`
            : `${event.outcome}: ${event.failure?.message ?? ''}`;
      return `${MARKS[event.outcome]} ${event.step} [${where(event.target)}] ${what} (${formatElapsed(event.durationMs)})`;
    }
    case 'step-retry':
      return `  ${event.step} [${where(event.target)}]: ${event.error.message} — retrying in ${formatElapsed(event.delayMs)}`;
    case 'run-finished':
    case 'run-cancelled':
      return event.message;
    default:
      return undefined;
  }
}

/** A failed step for a person: what happened, the command, its exit code, its output, and the fix. */
export function formatFailure(step: string, target: string, failure: StepFailure): string {
  const lines = [`Step ${step} failed on ${target}: ${failure.message}`];
  if (failure.command) lines.push(`  command: ${failure.command.split('\n')[0]}${failure.command.includes('\n') ? ' …' : ''}`);
  if (failure.exitCode !== undefined) lines.push(`  exit code: ${failure.exitCode === null ? 'killed by a signal' : failure.exitCode}`);
  for (const [name, text] of [['stdout', failure.stdout], ['stderr', failure.stderr]] as const) {
    if (text && text.trim() !== '') lines.push(`  ${name}:`, ...text.trimEnd().split('\n').map((line) => `    ${line}`));
  }
  lines.push(`  fix: ${failure.remedy}`);
  return lines.join('\n');
}
