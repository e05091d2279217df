import type { Command} from 'commander';
import { Option } from 'commander';

/** Global options of the CLI contract, shared by every command. */
export interface GlobalOptions {
  readonly json: boolean;
  readonly config?: string;
  readonly knownHosts?: string;
  readonly yes: boolean;
  readonly verbose: number;
}

/** Reads the global options from the root program (commander keeps them there). */
export function globalOptions(command: Command): GlobalOptions {
  let root = command;
  while (root.parent) root = root.parent;
  const raw = root.opts<{ json?: boolean; config?: string; knownHosts?: string; yes?: boolean; verbose?: number }>();
  return {
    json: raw.json ?? false,
    config: raw.config,
    knownHosts: raw.knownHosts,
    yes: raw.yes ?? false,
    verbose: raw.verbose ?? 0,
  };
}

/** Options of every command that connects (CLI contract): user, identity, port. */
export function addConnectOptions(command: Command): Command {
  return command
    .addOption(new Option('-u, --user <user>', 'SSH user (default: root, or the site file)'))
    .addOption(new Option('-i, --identity <file>', 'private key file (default: ssh-agent, then ~/.ssh keys)'))
    .addOption(new Option('-p, --port <port>', 'SSH port (default: 22, or HOST:PORT)'));
}
