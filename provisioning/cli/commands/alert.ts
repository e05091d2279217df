import { Option, type Command } from 'commander';
import { ExitCode, LockstepError } from '../../api/errors';
import { acknowledgeAlert, eventLogPath, readAlerts } from '../../monitor/event-log';
import { loadSiteFile } from '../../site/load';
import { action, type ActionContext } from '../action';
import { formatAlertLine } from '../format/status';
import { printJson, printLine } from '../output';

/**
 * `lockstep alert list|ack -c site.yaml`: the pair's event log on this computer. An
 * acknowledgement is written to the log, so the alert stays acknowledged in `status`
 * and in the app. Needs no connection to the servers.
 */
export function registerAlert(program: Command): void {
  const alert = program.command('alert').description("the pair's alerts: list them, acknowledge one");
  alert
    .command('list')
    .description('alerts with their ids, newest last')
    .addOption(new Option('--unacknowledged', 'only those not acknowledged yet'))
    .addOption(new Option('-n, --limit <count>', 'at most this many').default('50'))
    .action(action(async (context: ActionContext, flags: { unacknowledged?: boolean; limit: string }) => {
      const path = logPath(context);
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new LockstepError({ code: 'usage', field: '--limit', message: `--limit must be a positive whole number, got "${flags.limit}".`, remedy: 'e.g. --limit 20' });
      const alerts = readAlerts(path).filter((each) => !flags.unacknowledged || !each.acknowledgedAt).slice(-limit);
      if (context.options.json) printJson({ ok: true, alerts });
      else if (alerts.length === 0) printLine('No alerts.');
      else for (const each of alerts) printLine(`${formatAlertLine(each)}${each.acknowledgedAt ? '  (acknowledged)' : ''}\n    id ${each.id}`);
      return ExitCode.ok;
    }));
  alert
    .command('ack')
    .argument('<id>', 'the alert id (`lockstep alert list` shows it)')
    .description('acknowledge an alert (kept in the event log)')
    .action(action(async (context: ActionContext, id: string) => {
      const result = acknowledgeAlert(logPath(context), id);
      if (context.options.json) printJson({ ok: true, ...result });
      else printLine(result.alreadyAcknowledged ? `Already acknowledged at ${result.alert.acknowledgedAt}: ${result.alert.message}` : `Acknowledged: ${result.alert.message}`);
      return ExitCode.ok;
    }));
}

function logPath(context: ActionContext): string {
  const config = context.options.config;
  if (!config)
    throw new LockstepError({ code: 'usage', field: '--config', message: 'This command needs a site file.', remedy: 'Pass -c site.yaml: the alerts are those of its pair.' });
  return eventLogPath(loadSiteFile(config).site.name);
}
