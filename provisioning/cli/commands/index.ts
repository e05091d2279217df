import type { Command } from 'commander';
import { registerDiscover } from './discover';
import { registerTrust } from './trust';
import { registerProbe } from './probe';
import { registerLab } from './lab';
import { registerValidate } from './validate';
import { registerInit } from './init';
import { registerUi } from './ui';
import { registerBundle } from './bundle';
import { registerPlan } from './plan';
import { registerApply } from './apply';
import { registerStatus } from './status';
import { registerNode } from './node';
import { registerVm } from './vm';
import { registerAlert } from './alert';

/** The commands of the CLI contract, in the order of the flow. */
export function registerCommands(program: Command): void {
  registerInit(program);
  registerDiscover(program);
  registerTrust(program);
  registerProbe(program);
  registerValidate(program);
  registerBundle(program);
  registerLab(program);
  registerPlan(program);
  registerApply(program);
  registerStatus(program);
  registerNode(program);
  registerVm(program);
  registerAlert(program);
  registerUi(program);
}
