/**
 * The monitor of one pair: keeps an SSH connection per node (reconnecting in the
 * background when one drops), polls both nodes with one exec each, builds the pair
 * state, derives alerts, appends them to the event log and hands them to the webhook.
 *
 * Load on the servers: one poll is one exec per node (see docs/console.md for the
 * measured CPU). Between polls the monitor listens to event streams that cost nothing
 * while nothing happens — `journalctl -f` on corosync (membership and knet link
 * changes) and, on DRBD 9, `drbdsetup events2` — and polls at once when they speak, so
 * the steady poll can stay slow while reactions stay fast.
 */
import { LockstepError, toErrorInfo, type ErrorInfo } from '../api/errors';
import type { Secrets } from '../api/endpoint';
import type { PairHistory, MonitorEvent, PairState } from '../api/monitor';
import type { NodeKey, ResolvedSite } from '../api/site';
import { connect } from '../ssh/connect';
import type { Transport } from '../ssh/types';
import { deriveAlerts, stateChanged } from './alerts';
import { chartSample, type ChartSample, type CounterMemo } from './chart-sample';
import { pollNode, unreachableSample, type NodeSample } from './collect';
import { appendAlerts, eventLogPath } from './event-log';
import type { MetricHistory } from './history';
import { historyPath, loadHistory, saveHistory } from './history-store';
import { buildPairState, type PairConfig } from './model';
import { events2Significant, parseEvents2Line } from './parse/drbd';
import { Webhook, webhookUrlForSite } from './webhook';

export interface MonitorOptions {
  readonly site: ResolvedSite;
  readonly knownHostsPath: string;
  readonly secrets?: Secrets;
  readonly signal?: AbortSignal;
  /** Steady poll interval of `watch` (event streams trigger extra polls). Default 5 s. */
  readonly intervalMs?: number;
  /** Where alerts are appended; default `<stateDir>/events/<pair>.jsonl`; null disables. */
  readonly eventLog?: string | null;
  /** Webhook URL; default the site file's `alerts.webhook`, else `LOCKSTEP_WEBHOOK_URL`. */
  readonly webhookUrl?: string;
  /** Where the charts' history is kept; default `<stateDir>/history/<pair>.json`; null keeps it in memory only. */
  readonly historyFile?: string | null;
  readonly log?: (line: string) => void;
}

/** Journal lines of corosync that mean membership or a link changed. */
/** Corosync's and Pacemaker's logs: Pacemaker speaks first when a node shuts its stack down. */
const CLUSTER_STREAM = 'exec journalctl -f -n 0 -o cat -u corosync.service -u pacemaker.service';
const DRBD9_STREAM = 'grep -q "^version: 9" /proc/drbd 2>/dev/null || exit 0; exec drbdsetup events2 all';

export class PairMonitor {
  private readonly transports: (Transport | undefined)[] = [undefined, undefined];
  private readonly connectErrors: (ErrorInfo | undefined)[] = [undefined, undefined];
  private readonly connecting: (Promise<void> | undefined)[] = [undefined, undefined];
  private readonly streams: (AbortController | undefined)[] = [undefined, undefined];
  private readonly config: PairConfig;
  private readonly webhook: Webhook | undefined;
  private previous: PairState | undefined;
  /** How long each node's last answered poll took (`pollTimeoutMs`). */
  private readonly lastPollMs: [number | null, number | null] = [null, null];
  /** Where each VM last ran, for the failover alert (see `deriveAlerts`). */
  private readonly lastPlaces = new Map<string, NodeKey>();
  private readonly history: MetricHistory;
  private readonly historyFile: string | null;
  private counters: CounterMemo | undefined;
  private savedAt = 0;
  private wake: (() => void) | undefined;
  private wakeRequested = false;

  constructor(private readonly options: MonitorOptions) {
    const site = options.site;
    const nic = (value: string): string | null => (value === 'auto' ? null : value);
    this.config = {
      pair: site.name,
      addresses: [site.nodes[0].address, site.nodes[1].address],
      acknowledgeNoFencing: site.fencing.acknowledgeNoFencing,
      privateNics: { a: nic(site.network.private.a), b: nic(site.network.private.b) },
    };
    const url = options.webhookUrl ?? webhookUrlForSite(site);
    this.webhook = url ? new Webhook(url, { ...(options.log && { log: options.log }) }) : undefined;
    this.historyFile = options.historyFile === undefined ? historyPath(site.name) : options.historyFile;
    this.history = loadHistory(this.historyFile ?? '');
  }

  /** The charts' series over the last hour (latency per Corosync link, replication throughput). */
  historyView(): PairHistory {
    return this.history.toHistory();
  }

  /** The errors of nodes that could not be connected to (host key, auth, unreachable). */
  get connectionErrors(): readonly (ErrorInfo | undefined)[] {
    return this.connectErrors;
  }

  /** Connects to both nodes (tolerating one failure); throws when neither can be reached. */
  async open(): Promise<void> {
    await Promise.all([0, 1].map((index) => this.ensureConnected(index as 0 | 1)));
    if (!this.transports[0] && !this.transports[1]) {
      const first = this.connectErrors[0] ?? this.connectErrors[1];
      throw new LockstepError(first ?? { code: 'ssh.unreachable', message: 'Neither node can be reached.', remedy: 'Check the servers and the network.' });
    }
  }

  /** One poll of both nodes → the pair state and the alerts since the previous poll. */
  async poll(): Promise<{ state: PairState; alerts: ReturnType<typeof deriveAlerts>; chart: ChartSample }> {
    const samples = (await Promise.all([0, 1].map((index) => this.sample(index as 0 | 1)))) as [NodeSample, NodeSample];
    const at = new Date();
    const state = buildPairState(this.config, samples, at, this.previous);
    const alerts = deriveAlerts(this.previous, state, this.lastPlaces);
    this.previous = state;
    for (const vm of state.vms) if (vm.runsOn) this.lastPlaces.set(vm.name, vm.runsOn);
    this.record(alerts);
    const chart = chartSample(this.config, samples, state, at.getTime(), this.counters);
    this.counters = chart.memo;
    this.history.record(chart.sample, chart.labels);
    this.saveHistory(false);
    return { state, alerts, chart };
  }

  /**
   * Runs until the signal aborts: emits the first state, then every changed state and
   * every alert. Polls every `intervalMs`, and at once when an event stream speaks.
   */
  async watch(onEvent: (event: MonitorEvent) => void): Promise<void> {
    const signal = this.options.signal;
    const interval = this.options.intervalMs ?? 5000;
    let last: PairState | undefined;
    while (!signal?.aborted) {
      const { state, alerts, chart } = await this.poll();
      for (const alert of alerts) onEvent({ type: 'alert', alert });
      if (stateChanged(last, state)) onEvent({ type: 'state', state });
      onEvent({ type: 'sample', sample: chart.sample, labels: chart.labels });
      last = state;
      for (const index of [0, 1] as const) this.startStreams(index);
      await this.sleep(interval);
    }
  }

  async close(): Promise<void> {
    this.saveHistory(true);
    for (const stream of this.streams) stream?.abort();
    await this.webhook?.close();
    await Promise.all(this.transports.map((transport) => transport?.close()));
  }

  /** Writes the history at most once a minute (and always when asked, at close). */
  private saveHistory(force: boolean): void {
    if (!this.historyFile || (!force && Date.now() - this.savedAt < 60_000)) return;
    this.savedAt = Date.now();
    try {
      saveHistory(this.historyFile, this.history);
    } catch (error) {
      this.options.log?.(`history ${this.historyFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private record(alerts: ReturnType<typeof deriveAlerts>): void {
    if (alerts.length === 0) return;
    const path = this.options.eventLog === undefined ? eventLogPath(this.config.pair) : this.options.eventLog;
    if (path) {
      try {
        appendAlerts(path, alerts);
      } catch (error) {
        this.options.log?.(`event log ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const alert of alerts) this.webhook?.send(alert);
  }

  private async sample(index: 0 | 1): Promise<NodeSample> {
    const transport = this.transports[index];
    if (!transport) {
      // Reconnect in the background: a dead node must not hold up its peer's poll.
      void this.ensureConnected(index);
      return unreachableSample(this.connectErrors[index]?.message ?? 'not connected');
    }
    const sample = await pollNode(transport, { ...(this.options.signal && { signal: this.options.signal }), timeoutMs: pollTimeoutMs(this.lastPollMs[index]) });
    if (sample.pollMs !== null) this.lastPollMs[index] = sample.pollMs;
    if (!sample.reachable) {
      this.connectErrors[index] = toErrorInfo(new Error(sample.unreachableReason ?? 'poll failed'));
      this.transports[index] = undefined;
      this.streams[index]?.abort();
      this.streams[index] = undefined;
      void transport.close().catch(() => undefined);
    }
    return sample;
  }

  private ensureConnected(index: 0 | 1): Promise<void> {
    if (this.transports[index]) return Promise.resolve();
    this.connecting[index] ??= (async () => {
      const site = this.options.site;
      const node = site.nodes[index];
      try {
        this.transports[index] = await connect(
          {
            endpoint: { host: node.address, port: node.port },
            login: { user: site.ssh.user, ...(site.ssh.identityFile && { identityFile: site.ssh.identityFile }) },
            knownHostsPath: this.options.knownHostsPath,
            ...(this.options.secrets && { secrets: this.options.secrets }),
          },
          {
            label: node.address,
            readyTimeoutMs: 5000,
            keepaliveIntervalMs: 2000,
            keepaliveCountMax: 3,
            reconnect: { retries: 0 },
            ...(this.options.signal && { signal: this.options.signal }),
          },
        );
        this.connectErrors[index] = undefined;
      } catch (error) {
        if (this.options.signal?.aborted) return;
        this.connectErrors[index] = toErrorInfo(error);
      }
    })().finally(() => {
      this.connecting[index] = undefined;
    });
    return this.connecting[index];
  }

  /** Starts the node's event streams once per connection; any significant line wakes the loop. */
  private startStreams(index: 0 | 1): void {
    const transport = this.transports[index];
    if (!transport?.stream || this.streams[index]) return;
    const controller = new AbortController();
    this.streams[index] = controller;
    const stop = (): void => controller.abort();
    this.options.signal?.addEventListener('abort', stop, { once: true });
    const run = (command: string, significant: (line: string) => boolean): void => {
      transport.stream?.(command, (line) => {
        if (significant(line)) this.requestPoll();
      }, { signal: controller.signal })
        .catch(() => undefined)
        .finally(() => {
          // A stream that ends on its own (corosync restarted, tool missing) is simply not restarted
          // until the connection is renewed: polling still covers everything.
        });
    };
    // Words of a membership, link or quorum change, of a peer lost, and systemd's on a unit stopping or starting.
    run(CLUSTER_STREAM, (line) => /membership|link|host:|quorum|members|left|joined|down|lost|dead|peer|shutting|exit|stopp|start/i.test(line));
    run(DRBD9_STREAM, (line) => {
      const event = parseEvents2Line(line);
      return event !== null && events2Significant(event);
    });
  }

  private requestPoll(): void {
    this.wakeRequested = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return new Promise((resolve) => setTimeout(resolve, 200));
    }
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        this.wakeRequested = false;
        this.options.signal?.removeEventListener('abort', done);
        // A short settle so that a burst of stream lines makes one poll, not many.
        setTimeout(resolve, 200);
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      this.options.signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * How long a poll may take before its node counts as unreachable: 10 s, or three times
 * what the node's last answered poll took when that is longer (a slow but alive server,
 * e.g. an emulated one under load, is not a lost one), at most 30 s. A node with no
 * answered poll yet (the first poll, or `lockstep status` once) gets the 30 s: nothing says
 * yet how fast it is, and calling a slow node unreachable is the worse mistake (the VM lab's
 * busy server took over 10 s and a one-shot status called it lost). A node that dies is
 * found sooner by the connection's keepalive than by this timeout.
 */
export function pollTimeoutMs(lastPollMs: number | null): number {
  if (lastPollMs === null) return 30_000;
  return Math.min(30_000, Math.max(10_000, 3 * lastPollMs));
}
