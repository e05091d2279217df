/**
 * The optional webhook: each alert POSTed as JSON to one URL. It never blocks the
 * monitor (alerts queue, one request at a time), never retries forever (3 attempts
 * with a short backoff, then the alert is dropped and reported), and a full queue
 * drops the oldest alert rather than grow.
 */
import type { Alert } from '../api/monitor';
import type { ResolvedSite } from '../api/site';

export interface WebhookOptions {
  readonly timeoutMs?: number;
  readonly attempts?: number;
  readonly backoffMs?: number;
  readonly maxQueue?: number;
  /** Delivery problems (never the URL's query string, which may hold a token). */
  readonly log?: (line: string) => void;
}

/** The URL from the environment (`LOCKSTEP_WEBHOOK_URL`), if any and valid http(s). */
export function webhookUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return httpUrl(env.LOCKSTEP_WEBHOOK_URL);
}

/**
 * The URL a pair's alerts go to: the site file's `alerts.webhook` (written there, or
 * read from the environment variable it names), else `LOCKSTEP_WEBHOOK_URL`.
 */
export function webhookUrlForSite(site: Pick<ResolvedSite, 'alerts'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const source = site.alerts?.webhook;
  if (!source) return webhookUrlFromEnv(env);
  return 'url' in source ? httpUrl(source.url) : httpUrl(env[source.env]);
}

function httpUrl(text: string | undefined): string | undefined {
  const url = text?.trim();
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

export class Webhook {
  private readonly queue: Alert[] = [];
  private running: Promise<void> | undefined;
  private readonly controller = new AbortController();
  /** Delivered and dropped counts, for tests and the status footer. */
  delivered = 0;
  dropped = 0;

  constructor(
    private readonly url: string,
    private readonly options: WebhookOptions = {},
  ) {}

  /** Queues an alert and returns at once. */
  send(alert: Alert): void {
    if (this.controller.signal.aborted) return;
    this.queue.push(alert);
    while (this.queue.length > (this.options.maxQueue ?? 100)) {
      this.queue.shift();
      this.dropped++;
    }
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Waits (bounded) for queued alerts to go out, then stops. */
  async close(graceMs = 3000): Promise<void> {
    const pending = this.running;
    if (pending) await Promise.race([pending, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    this.controller.abort();
  }

  private async drain(): Promise<void> {
    for (let alert = this.queue.shift(); alert; alert = this.queue.shift()) {
      if (await this.post(alert)) this.delivered++;
      else this.dropped++;
    }
  }

  private async post(alert: Alert): Promise<boolean> {
    const attempts = this.options.attempts ?? 3;
    const host = safeHost(this.url);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.controller.signal.aborted) return false;
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'lockstep-monitor' },
          body: JSON.stringify({ source: 'lockstep', alert }),
          signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.options.timeoutMs ?? 5000)]),
        });
        await response.body?.cancel();
        if (response.ok) return true;
        this.options.log?.(`webhook ${host}: HTTP ${response.status} (attempt ${attempt}/${attempts})`);
        if (response.status >= 400 && response.status < 500 && response.status !== 429) return false;
      } catch (error) {
        this.options.log?.(`webhook ${host}: ${error instanceof Error ? error.message : String(error)} (attempt ${attempt}/${attempts})`);
      }
      if (attempt < attempts) await sleep((this.options.backoffMs ?? 500) * 2 ** (attempt - 1));
    }
    return false;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'webhook';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
