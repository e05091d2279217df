/**
 * The practice lab: two Debian servers as systemd-nspawn containers on this computer
 * (`lockstep lab up|down|status`), an optional quorum witness (`lab witness up|down`),
 * plus the hooks tests use to reach inside them.
 */
export { labUp, pinRunningLab, type LabUpOptions, type LabUpResult } from './up';
export { labDown, type LabDownResult } from './down';
export { labStatus, labLeftovers, witnessLeftovers } from './status';
export { labWitnessDown, witnessInfo, type WitnessDownResult } from './witness';
export { labExec, labLeaderPid, type LabExecOptions } from './exec';
export { rekeyServer } from './rekey';
export { assertLabSupported } from './platform';
export * from './constants';
export type {
  LabInfo,
  LabNodeInfo,
  LabWitnessInfo,
  LabStatus,
  LabNodeStatus,
  LabCredentials,
  ProgressReporter,
} from './types';
