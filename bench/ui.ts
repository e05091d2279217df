/**
 * The UI through the web bridge (`lockstep ui --web`), in the Chromium the e2e tests use:
 * first contentful paint, the page's JS heap (CDP Performance.getMetrics) and the RSS of
 * its renderer process, each run in a fresh browser. The peer is a floor: a one-line
 * HTML page served from 127.0.0.1 by Node, in the same browser with the same flags.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
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

/** RSS (MiB) of the largest renderer process under the browser whose profile is `profile`. */
function rendererRss(profile: string): number {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' }).stdout ?? '';
  const rows = ps.split('\n').map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/)).filter((m) => m !== null);
  const browser = rows.find((m) => m[4]?.includes(`--user-data-dir=${profile}`) && !m[4].includes('--type='));
  if (!browser) return NaN;
  const tree = new Set([browser[1]]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of rows) {
      if (tree.has(m[2]) && !tree.has(m[1])) {
        tree.add(m[1]);
        grew = true;
      }
    }
  }
  const renderers = rows.filter((m) => tree.has(m[1]) && m[4]?.includes('--type=renderer') && !m[4].includes('--extension-process'));
  return Math.max(...renderers.map((m) => Number(m[3]) / 1024));
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
    return { fcpMs, heapMiB: heap / 2 ** 20, rendererMiB: rendererRss(profile) };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export async function uiFigures(context: BenchContext, runs: number): Promise<FigureResult[]> {
  const bases = [
    { id: 'ui-paint', title: 'UI: first contentful paint', note: 'lockstep ui --web in headless Chromium (fresh browser per run), performance "first-contentful-paint"; the peer is a one-line HTML page from Node on 127.0.0.1 (floor).' },
    { id: 'ui-heap', title: 'UI: renderer JS heap', note: 'JSHeapUsedSize (CDP Performance.getMetrics) 1 s after load; peer: the one-line page.' },
    { id: 'ui-rss', title: 'UI: renderer process RSS', note: "RSS of the page's renderer process (the largest renderer of that browser), 1 s after load; peer: the one-line page." },
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
    return [row(0, 'fcpMs', 'time', 1 / 1000), row(1, 'heapMiB', 'mib', 1), row(2, 'rendererMiB', 'mib', 1)];
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] ?? String(error) : String(error);
    return bases.map((base) => unavailableFigure(base, why));
  } finally {
    bridge?.stop();
    floor.close();
  }
}
