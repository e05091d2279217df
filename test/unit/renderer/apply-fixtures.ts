import type { ApplyEvent, StepInfo } from '../../../provisioning/api/apply-events';

/** An engine event of run r1, as the journal and the event stream carry it. */
export const applyEvent = (partial: object, seq: number): ApplyEvent =>
  ({ runId: 'r1', at: '2026-01-01T00:00:00Z', seq, ...partial }) as ApplyEvent;

/** The first event of run r1 on the pair `lab` (10.0.0.11 and 10.0.0.12), with these steps. */
export const runStarted = (steps: StepInfo[]): ApplyEvent =>
  applyEvent({ type: 'run-started', pair: 'lab', nodes: { a: '10.0.0.11', b: '10.0.0.12' }, steps, notApplicable: [], journal: '/j', previousRun: null }, 1);
