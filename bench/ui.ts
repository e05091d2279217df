/**
 * The UI through the web bridge (`lockstep ui --web`), in the Chromium the e2e tests use:
 * first contentful paint, the page's JS heap (CDP Performance.getMetrics) and the RSS of
 * its renderer process, each run in a fresh browser. The peer is a floor: a one-line
 * HTML page served from 127.0.0.1 by Node, in the same browser with the same flags.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type CDPSession, type Page } from 'playwright-core';
import { LOCKSTEP_ARGS, stats, unavailableFigure, type BenchContext, type FigureResult } from './types';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

interface PageSample {
  readonly fcpMs: number;
  readonly heapMiB: number;
  readonly rendererMiB: number;
  readonly rendererPrivateMiB: number;
  /** How many renderer processes the browser had (the page's is one of them). */
  readonly renderers: number;
}

async function startBridge(context: BenchContext): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [...LOCKSTEP_ARGS, '--json', '--known-hosts', join(context.scratch, 'ui-known_hosts'), 'ui', '--web', '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`lockstep ui --web printed no address: ${err.trim()}`)), 15_000);
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        const printed = JSON.parse(out) as { url: string };
        clearTimeout(timer);
        resolve(printed.url);
      } catch {
        // not the whole document yet
      }
    });
    child.on('exit', (code) => reject(new Error(`lockstep ui --web exited ${code}: ${err.trim().split('\n').pop()}`)));
  });
  return { url, stop: () => void child.kill('SIGTERM') };
}

/** A renderer process of one browser: its memory (MiB) and CPU time so far (clock ticks). */
interface Renderer {
  readonly pid: number;
  readonly rssMiB: number;
  /** Private_Clean + Private_Dirty (smaps_rollup): memory no other process shares (USS). */
  readonly privateMiB: number;
  readonly cpuTicks: number;
}

/** The renderer processes (`--type=renderer`) in the process tree of the browser whose profile is `profile`. */
function renderers(profile: string): Renderer[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout ?? '';
  const rows = ps
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? '' }));
  const browser = rows.find((row) => row.args.includes(`--user-data-dir=${profile}`) && !row.args.includes('--type='));
  if (!browser) throw new Error(`no Chromium browser process with profile ${profile}`);
  const tree = new Set([browser.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) {
      if (tree.has(row.ppid) && !tree.has(row.pid)) {
        tree.add(row.pid);
        grew = true;
      }
    }
  }
  return rows
    .filter((row) => tree.has(row.pid) && row.args.includes('--type=renderer') && !row.args.includes('--extension-process'))
    .map((row) => {
      const rollup = readFileSync(`/proc/${row.pid}/smaps_rollup`, 'utf8');
      const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN);
      const stat = readFileSync(`/proc/${row.pid}/stat`, 'utf8').split(') ').pop()?.split(' ') ?? [];
      return {
        pid: row.pid,
        rssMiB: kib('Rss') / 1024,
        privateMiB: (kib('Private_Clean') + kib('Private_Dirty')) / 1024,
        // utime + stime (fields 14 and 15 of /proc/pid/stat; 12 and 13 after the command name).
        cpuTicks: Number(stat[11]) + Number(stat[12]),
      };
    });
}

/**
 * The pid of the page's own renderer, as Chromium itself reports it: a short trace's
 * `TracingStartedInBrowser` event lists each frame with its process id. A fresh headless
 * Chromium has several renderers (the initial about:blank, a spare one kept warm, the
 * page's), and their RSS is mostly the shared Chromium binary, so "the largest" is not
 * necessarily the page's.
 */
async function tracedRendererPid(cdp: CDPSession, url: string): Promise<number> {
  const events: { name?: string; args?: { data?: { frames?: { url: string; processId: number; isOutermostMainFrame?: boolean }[] } } }[] = [];
  const collect = (event: { value: typeof events }): void => void events.push(...event.value);
  cdp.on('Tracing.dataCollected', collect);
  const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await cdp.send('Tracing.end');
  await complete;
  cdp.off('Tracing.dataCollected', collect);
  const origin = new URL(url).origin;
  const frames = events.filter((event) => event.name === 'TracingStartedInBrowser').flatMap((event) => event.args?.data?.frames ?? []);
  const main = frames.find((frame) => frame.isOutermostMainFrame !== false && frame.url.startsWith(origin));
  if (!main) throw new Error(`the trace names no main frame for ${origin}: ${JSON.stringify(frames).slice(0, 300)} (${events.length} events)`);
  return main.processId;
}

/**
 * A second, independent way to the same process: the page spins for BURST_MS, and the
 * renderer whose CPU time grows is the page's. The bench stops when the two disagree.
 */
const BURST_MS = 300;
async function spinningRendererPid(page: Page, profile: string): Promise<number> {
  const before = renderers(profile);
  await page.evaluate(`(() => { const end = performance.now() + ${BURST_MS}; while (performance.now() < end); })()`);
  const after = new Map(renderers(profile).map((renderer) => [renderer.pid, renderer.cpuTicks]));
  const grown = before
    .map((renderer) => ({ pid: renderer.pid, ticks: (after.get(renderer.pid) ?? renderer.cpuTicks) - renderer.cpuTicks }))
    .sort((left, right) => right.ticks - left.ticks);
  const [first, second] = grown;
  if (!first || first.ticks <= 0 || (second && second.ticks * 3 > first.ticks))
    throw new Error(`no single renderer spun (CPU ticks during a ${BURST_MS} ms spin: ${grown.map((g) => `${g.pid}:${g.ticks}`).join(', ')})`);
  return first.pid;
}

async function samplePage(url: string, scratch: string, run: number): Promise<PageSample> {
  const profile = mkdtempSync(join(scratch, `chromium-${run}-`));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, headless: true });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url, { waitUntil: 'load' });
    // A string, not a function: tsx's transform would put helpers (__name) into the page.
    const fcpMs = await page.evaluate<number>(`new Promise((resolve) => {
      const found = () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime;
      if (found() !== undefined) return resolve(found());
      new PerformanceObserver(() => { if (found() !== undefined) resolve(found()); }).observe({ type: 'paint', buffered: true });
    })`);
    await page.waitForTimeout(1000); // let the app settle (first API calls answered)
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? NaN;
    // Memory is read first; the trace and the spin that identify the process come after (they allocate little).
    const all = renderers(profile);
    const traced = await tracedRendererPid(cdp, url);
    const spun = await spinningRendererPid(page, profile);
    if (traced !== spun) throw new Error(`the page's renderer is pid ${traced} by Chromium's trace but pid ${spun} by CPU time`);
    const renderer = all.find((candidate) => candidate.pid === traced);
    if (!renderer) throw new Error(`renderer pid ${traced} is not under the browser`);
    return { fcpMs, heapMiB: heap / 2 ** 20, rendererMiB: renderer.rssMiB, rendererPrivateMiB: renderer.privateMiB, renderers: all.length };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export async function uiFigures(context: BenchContext, runs: number): Promise<FigureResult[]> {
  const bases = [
    { id: 'ui-paint', title: 'UI: first contentful paint', note: 'lockstep ui --web in headless Chromium (fresh browser per run), performance "first-contentful-paint"; the peer is a one-line HTML page from Node on 127.0.0.1 (floor).' },
    { id: 'ui-heap', title: 'UI: renderer JS heap', note: 'JSHeapUsedSize (CDP Performance.getMetrics) 1 s after load; peer: the one-line page.' },
    { id: 'ui-rss', title: 'UI: renderer process RSS', note: "RSS of the page's own renderer process, 1 s after load: the pid Chromium's trace gives the page's main frame, confirmed by making the page spin and seeing whose CPU time grows (not the browser, the spare or the about:blank renderer). Most of it is the Chromium binary shared by every process; peer: the one-line page." },
    { id: 'ui-private', title: 'UI: renderer private memory', note: "the same process's private memory (Private_Clean + Private_Dirty from /proc/<pid>/smaps_rollup, i.e. USS): what the page itself costs; peer: the one-line page." },
  ];
  if (spawnSync('sh', ['-c', `test -x ${CHROMIUM}`]).status !== 0)
    return bases.map((base) => unavailableFigure(base, `${CHROMIUM} is not installed (apt-get install -y chromium)`));
  const floor = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>floor</title><p>Lockstep</p>');
  });
  await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
  const floorUrl = `http://127.0.0.1:${(floor.address() as AddressInfo).port}/`;
  let bridge: { url: string; stop: () => void } | undefined;
  try {
    bridge = await startBridge(context);
    process.stderr.write(`\n▶ UI: ${runs} runs each of lockstep ui --web and the floor page\n`);
    const mine: PageSample[] = [];
    const peer: PageSample[] = [];
    await samplePage(bridge.url, context.scratch, -1); // warm-up (disk cache of the browser binary)
    for (let run = 0; run < runs; run += 1) {
      mine.push(await samplePage(bridge.url, context.scratch, run));
      peer.push(await samplePage(floorUrl, context.scratch, run + runs));
    }
    const pick = (samples: PageSample[], key: keyof PageSample): number[] => samples.map((sample) => sample[key]);
    const row = (index: number, key: keyof PageSample, unit: 'time' | 'mib', scale: number): FigureResult => {
      const base = bases[index] ?? bases[0]!;
      return {
        ...base,
        lockstep: { label: 'lockstep ui --web', command: 'lockstep ui --web --port 0', measurement: stats(pick(mine, key).map((v) => v * scale), unit) },
        peers: [{ label: 'one-line page (floor)', command: 'node http server', measurement: stats(pick(peer, key).map((v) => v * scale), unit) }],
      };
    };
    return [row(0, 'fcpMs', 'time', 1 / 1000), row(1, 'heapMiB', 'mib', 1), row(2, 'rendererMiB', 'mib', 1), row(3, 'rendererPrivateMiB', 'mib', 1)];
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] ?? String(error) : String(error);
    return bases.map((base) => unavailableFigure(base, why));
  } finally {
    bridge?.stop();
    floor.close();
  }
}
