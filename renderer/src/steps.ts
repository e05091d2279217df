/**
 * The steps of the flow (PRODUCT.md "The flow"), in order, and which of them can be
 * opened now. Network roles, Disks and Options edit the site that Validate, Plan and
 * Install then work on; a step not built yet would be listed as not yet available.
 */
export type StepId =
  | 'start'
  | 'find'
  | 'trust'
  | 'inventory'
  | 'roles'
  | 'disks'
  | 'options'
  | 'validate'
  | 'plan'
  | 'install'
  | 'verify'
  | 'console';

export interface StepDefinition {
  readonly id: StepId;
  readonly title: string;
  /** One line under the title in the step rail. */
  readonly hint: string;
  /** False for steps whose engine is not built yet. */
  readonly built: boolean;
}

export const STEPS: readonly StepDefinition[] = [
  { id: 'start', title: 'Start', hint: 'New pair, site file or lab', built: true },
  { id: 'find', title: 'Find servers', hint: 'Addresses or a subnet', built: true },
  { id: 'trust', title: 'Connect and trust', hint: 'Login and host keys', built: true },
  { id: 'inventory', title: 'Inventory', hint: 'Both servers side by side', built: true },
  { id: 'roles', title: 'Network roles', hint: 'Management, private link', built: true },
  { id: 'disks', title: 'Disks', hint: 'Mirrored storage pool', built: true },
  { id: 'options', title: 'Options', hint: 'Name, fencing, witness', built: true },
  { id: 'validate', title: 'Validate', hint: 'Every check', built: true },
  { id: 'plan', title: 'Plan', hint: 'What will change', built: true },
  { id: 'install', title: 'Install', hint: 'Both servers', built: true },
  { id: 'verify', title: 'Verify', hint: 'Prove it works', built: true },
  { id: 'console', title: 'Console', hint: 'Watch the pair', built: true },
];

/** How a step appears in the rail. */
export type StepState = 'current' | 'done' | 'available' | 'locked' | 'unbuilt';

/** What decides which steps can be reached. */
export interface Progress {
  readonly current: StepId;
  /** Servers chosen in "Find servers" (a pair is two). */
  readonly selectedCount: number;
  /** Chosen servers whose host key is trusted. */
  readonly trustedCount: number;
  /** An inventory was read. */
  readonly inventoryRead: boolean;
  /** A site file is open (Start's "Open site file", or the practice lab's). */
  readonly siteKnown?: boolean;
  /** Validation ran and nothing blocks (but what the user chose to go on past). */
  readonly validationPassed?: boolean;
  /** A plan was made. */
  readonly planMade?: boolean;
  /** An install ran to its end without failing. */
  readonly installDone?: boolean;
  /** The site edited on Network roles, Disks and Options was handed to Validate. */
  readonly siteCommitted?: boolean;
  /** The site was edited after that: Validate, Plan and Install would still see the older one. */
  readonly siteEdited?: boolean;
  /** Verify ran after the install and nothing failed. */
  readonly verified?: boolean;
}

/** Whether a step can be opened now, and why not. */
export function stepState(step: StepDefinition, progress: Progress): StepState {
  if (!step.built) return 'unbuilt';
  if (step.id === progress.current) return 'current';
  const reachable = isReachable(step.id, progress);
  if (!reachable) return 'locked';
  return isDone(step.id, progress) ? 'done' : 'available';
}

/** Why a step is locked, in words for its tooltip and accessible description. */
export function lockedReason(step: StepId, progress?: Progress): string {
  if (progress?.siteEdited && (step === 'validate' || step === 'plan' || step === 'install'))
    return 'Continue from Options to hand the changed site to Validate first.';
  switch (step) {
    case 'trust':
      return 'Choose two servers in Find servers first.';
    case 'inventory':
      return 'Trust both servers first.';
    case 'roles':
    case 'disks':
    case 'options':
      return 'Read the inventory of both servers first.';
    case 'validate':
      return 'Open a site file (or use the practice lab) and trust both servers first.';
    case 'plan':
      return 'Validation must pass first.';
    case 'install':
      return 'Make the plan first.';
    case 'verify':
      return 'Run the install first.';
    case 'console':
      return 'Open a site file or use the practice lab first.';
    default:
      return 'Not yet available in this version.';
  }
}

function isReachable(step: StepId, progress: Progress): boolean {
  switch (step) {
    case 'start':
    case 'find':
      return true;
    case 'trust':
      return progress.selectedCount === 2;
    case 'inventory':
      return progress.selectedCount === 2 && progress.trustedCount === 2;
    case 'roles':
    case 'disks':
    case 'options':
      return progress.selectedCount === 2 && progress.trustedCount === 2 && progress.inventoryRead;
    case 'validate':
      return (
        !!progress.siteKnown && progress.selectedCount === 2 && progress.trustedCount === 2 && !progress.siteEdited
      );
    case 'plan':
      return !!progress.validationPassed && !progress.siteEdited;
    case 'install':
      return !!progress.validationPassed && !!progress.planMade && !progress.siteEdited;
    case 'verify':
      return !!progress.installDone;
    case 'console':
      return !!progress.siteKnown;
    default:
      return false;
  }
}

function isDone(step: StepId, progress: Progress): boolean {
  switch (step) {
    case 'start':
      return progress.current !== 'start';
    case 'find':
      return progress.selectedCount === 2;
    case 'trust':
      return progress.trustedCount === 2;
    case 'inventory':
      return progress.inventoryRead;
    case 'roles':
    case 'disks':
    case 'options':
      return !!progress.siteCommitted && !progress.siteEdited;
    case 'validate':
      return !!progress.validationPassed;
    case 'plan':
      return !!progress.planMade;
    case 'install':
      return !!progress.installDone;
    case 'verify':
      return !!progress.verified;
    default:
      return false;
  }
}
