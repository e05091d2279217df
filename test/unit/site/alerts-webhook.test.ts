import { describe, expect, it } from 'vitest';
import { checkSiteField } from '../../../provisioning/api/contract';
import { formatSiteFile } from '../../../provisioning/site/format';
import { loadSiteFile } from '../../../provisioning/site/load';
import { webhookUrlForSite } from '../../../provisioning/monitor/webhook';
import { loadError, siteFolder } from './helpers';

const BASE = 'name: pair1\nnodes:\n  - address: 10.0.0.11\n  - address: 10.0.0.12\n';

describe('alerts.webhook in the site file', () => {
  it('takes an http(s) URL, and the monitor posts there before LOCKSTEP_WEBHOOK_URL', () => {
    const folder = siteFolder();
    const { site } = loadSiteFile(folder.write(`${BASE}alerts:\n  webhook: https://alerts.example.com/lockstep\n`));
    expect(site.alerts).toEqual({ webhook: { url: 'https://alerts.example.com/lockstep' } });
    expect(webhookUrlForSite(site, { LOCKSTEP_WEBHOOK_URL: 'http://other.example/' })).toBe('https://alerts.example.com/lockstep');
  });

  it('takes `{ env: NAME }` for a URL that carries a token, read when the monitor starts', () => {
    const folder = siteFolder();
    const { site } = loadSiteFile(folder.write(`${BASE}alerts:\n  webhook: { env: PAGER_URL }\n`));
    expect(site.alerts).toEqual({ webhook: { env: 'PAGER_URL' } });
    expect(webhookUrlForSite(site, { PAGER_URL: 'https://hooks.example.com/T0K3N' })).toBe('https://hooks.example.com/T0K3N');
    expect(webhookUrlForSite(site, {})).toBeUndefined();
  });

  it('is optional: without it the environment variable still works, and nothing is added to the site', () => {
    const folder = siteFolder();
    const { site } = loadSiteFile(folder.write(BASE));
    expect(site.alerts).toBeUndefined();
    expect(webhookUrlForSite(site, { LOCKSTEP_WEBHOOK_URL: 'http://127.0.0.1:9000/hook' })).toBe('http://127.0.0.1:9000/hook');
  });

  it('refuses what cannot be POSTed to, at the line, with the fix', () => {
    const folder = siteFolder();
    const { problems } = loadError(folder.write(`${BASE}alerts:\n  webhook: alerts.example.com/hook\n`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: 'alerts.webhook', line: 6 });
    expect(problems[0]?.text).toContain('expected an http:// or https:// URL, or `{ env: VARIABLE_NAME }`');
    expect(problems[0]?.text).toContain('https://alerts.example.com/hook');
    expect(checkSiteField('alerts.webhook', 'ftp://x.example/')).toMatchObject({ valid: false });
    expect(checkSiteField('alerts.webhook', 'https://x.example/')).toEqual({ field: 'alerts.webhook', valid: true });
  });

  it('is written back by the formatter and loads to the same site', () => {
    const folder = siteFolder();
    const { site } = loadSiteFile(folder.write(`${BASE}alerts:\n  webhook: https://alerts.example.com/lockstep\n`));
    const text = formatSiteFile(site, {}, { baseDir: folder.dir, homeDir: folder.home });
    expect(text).toContain('alerts:');
    expect(loadSiteFile(folder.write(text, 'again.yaml')).site.alerts).toEqual(site.alerts);
  });
});
