// Live video: time from a carer's session request to the first decoded frame in headless Chromium
// (median of 5, the camera starting cold each time, as it does when nobody was watching), and the
// hub agent's CPU and memory (agent + its ffmpeg) while streaming 720p30 to one and three viewers.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { ApiClient, hearth, startAgent, startCloud } from '../scripts/local-stack.js';
import { CHROMIUM_ARGS, inbound, seen, watch } from '../test/e2e/video-support.js';

const CLK_TCK = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** The process and all its descendants (the agent runs ffmpeg as a child). */
function tree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** The command lines of the processes, to name what keeps the camera running. */
function commands(pids: number[]): string[] {
  return pids.flatMap((pid) => {
    try {
      return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()];
    } catch {
      return [];
    }
  });
}

/**
 * Whether the hub's ffmpeg runs. Not "the agent has no children": the TypeScript loader keeps an
 * esbuild service beside it once it compiled a module on demand.
 */
function cameraRunning(hubPid: number): boolean {
  return commands(tree(hubPid).slice(1)).some((c) => /\bffmpeg\b/.test(c));
}

function usage(pids: number[]): { cpuTicks: number; rssMiB: number } {
  let cpuTicks = 0;
  let rssKiB = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuTicks += Number(fields[11]) + Number(fields[12]);
      rssKiB += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return { cpuTicks, rssMiB: Math.round(rssKiB / 102.4) / 10 };
}

/** Hub CPU (% of one core) and RSS over `ms` of streaming. */
async function measure(pid: number, ms: number) {
  const pids = tree(pid);
  const before = usage(pids);
  const started = Date.now();
  await sleep(ms);
  const after = usage(tree(pid));
  const seconds = (Date.now() - started) / 1000;
  return {
    cpuPercentOfOneCore: Math.round(((after.cpuTicks - before.cpuTicks) / CLK_TCK / seconds) * 1000) / 10,
    rssMiB: after.rssMiB,
    processes: commands(tree(pid)).map((c) => c.split(' ')[0]!.split('/').pop()),
  };
}

/** One viewer: frames WebRTC decoded, frames the page painted. */
async function viewerFigures(page: Page) {
  const [painted, stats] = await Promise.all([seen(page), inbound(page)]);
  return {
    framesDecoded: stats?.framesDecoded ?? 0,
    framesPainted: painted.frames,
    keyFramesDecoded: stats?.keyFramesDecoded ?? 0,
    freezeCount: stats?.freezeCount ?? 0,
    pliCount: stats?.pliCount ?? 0,
  };
}

const isPlaying = (v: { framesDecoded: number; framesPainted: number }) =>
  v.framesDecoded > 30 && v.framesPainted > 30;

export default async function video(): Promise<Record<string, unknown>> {
  const work = mkdtempSync(join(tmpdir(), 'hearth-bench-video-'));
  const hubDir = join(work, 'hub');
  const cloud = await startCloud({
    dataDir: join(work, 'cloud'),
    env: { DATABASE_URL: undefined, REDIS_URL: undefined, HEARTH_DEMO_ACCOUNTS: '1' },
  });
  const agentConfig = join(work, 'agent.json');
  let agent: ReturnType<typeof startAgent> | undefined;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const admin = new ApiClient(cloud.url);
    await admin.login('admin@demo.hearth', 'demo-admin');
    const { staff } = await admin.request<{ staff: { id: string; email: string }[] }>('GET', '/api/v1/staff');
    const carer = staff.find((s) => s.email === 'staff@demo.hearth')!;
    const senior = await admin.request<{ id: string }>('POST', '/api/v1/seniors', { name: 'Bench Senior' });
    await admin.request('POST', `/api/v1/seniors/${senior.id}/staff`, { staffId: carer.id });
    await admin.request('PUT', `/api/v1/seniors/${senior.id}/video-consent`, { consent: true });
    const { code } = await admin.request<{ code: string }>(
      'POST',
      `/api/v1/seniors/${senior.id}/pairing-codes`,
    );
    await hearth(['pair', '--cloud', cloud.url, '--code', code, '--data-dir', hubDir]);
    writeFileSync(
      agentConfig,
      JSON.stringify({
        simPendantEverySeconds: 0,
        // Sessions, viewers and the camera are logged at info: what a failed run is read by.
        logLevel: 'info',
        video: {
          source: { kind: 'test-pattern', width: 1280, height: 720, fps: 30 },
          bitrateKbps: 2000,
          maxViewers: 3,
        },
      }),
    );
    agent = startAgent({ dataDir: hubDir, args: ['--config', agentConfig] });
    const token = (await new ApiClient(cloud.url).login('staff@demo.hearth', 'demo-staff')).accessToken;
    // Each viewer in a window of its own, as three carers on three computers: Chromium stops painting
    // a tab hidden behind another, and a viewer that is not painted cannot be timed to its first frame.
    const contexts = new Map<Page, BrowserContext>();
    const open = async () => {
      const context = await browser.newContext({ bypassCSP: true });
      const page = await context.newPage();
      contexts.set(page, context);
      await page.goto(`${cloud.url}/health`);
      await watch(page, senior.id, token, false);
      return page;
    };
    const close = async (page: Page) => {
      await page.evaluate('window.player?.stop()');
      await contexts.get(page)?.close();
      contexts.delete(page);
    };
    const hubPid = agent.process.pid!;
    // Wait for the hub's control channel: a first session that plays proves it.
    await until(
      'the hub to stream',
      async () => {
        const page = await open();
        try {
          await until('frames', async () => (await seen(page)).frames > 5, 15_000);
          return true;
        } catch {
          return false;
        } finally {
          await close(page);
        }
      },
      90_000,
    );

    console.error('hub streaming; measuring the first frame');
    const firstFrame: number[] = [];
    const samples: Record<string, number>[] = [];
    for (let i = 0; i < 5; i++) {
      // Nobody watching: the camera stops, so each request starts it cold.
      await until('the camera to stop', async () => !cameraRunning(hubPid), 40_000);
      const page = await open();
      await until('the first frame', async () => (await seen(page)).firstFrameMs !== null, 20_000);
      const { firstFrameMs, steps } = await seen(page);
      firstFrame.push(Math.round(firstFrameMs!));
      // From the hub's log: how long its ffmpeg took to give the first picture of this cold start.
      const cameraMs = agent.output
        .filter((l) => l.includes('camera gave its first picture'))
        .map((l) => (JSON.parse(l) as { afterMs: number }).afterMs)
        .at(-1);
      samples.push({
        ...steps,
        ...(cameraMs !== undefined && { hubCameraFirstPictureAfterStartMs: cameraMs }),
      });
      console.error(`first frame after ${firstFrame.at(-1)} ms: ${JSON.stringify(samples.at(-1))}`);
      await close(page);
    }
    const sorted = [...firstFrame].sort((a, b) => a - b);
    const medianStep = (step: string) =>
      samples.map((s) => s[step] ?? Number.NaN).sort((a, b) => a - b)[2] ?? null;

    await until('the camera to stop', async () => !cameraRunning(hubPid), 40_000);
    const idle = usage(tree(hubPid));
    const viewers: Page[] = [];
    const streaming: Record<string, unknown> = {};
    for (const count of [1, 3]) {
      while (viewers.length < count) viewers.push(await open());
      // A second of video decoded and painted by every viewer, or the figures below mean nothing.
      const playing = async () => (await Promise.all(viewers.map(viewerFigures))).every(isPlaying);
      await until('every viewer to play', playing, 20_000).catch(() => {});
      const before = await Promise.all(viewers.map(viewerFigures));
      const hub = await measure(hubPid, 10_000);
      const after = await Promise.all(viewers.map(viewerFigures));
      const perViewer = after.map((v, i) => ({
        ...v,
        decodedWhileMeasured: v.framesDecoded - before[i]!.framesDecoded,
      }));
      console.error(`${count} viewer(s): ${JSON.stringify(perViewer)}`);
      const idle = perViewer.filter((v) => !isPlaying(v) || v.decodedWhileMeasured < 30);
      if (idle.length > 0)
        throw new Error(
          `${idle.length} of ${count} viewers did not play (frames decoded, painted): ${JSON.stringify(perViewer)}`,
        );
      streaming[`viewers${count}`] = { ...hub, viewers: perViewer };
    }
    if (process.env.BENCH_AGENT_LOG) writeFileSync(process.env.BENCH_AGENT_LOG, agent.output.join('\n'));
    for (const page of viewers) await close(page);
    return {
      firstFrameMs: {
        median: sorted[2],
        runs: firstFrame,
        medianSteps: Object.fromEntries(
          [
            'answered',
            'subscribed',
            'offer',
            'connected',
            'firstFrame',
            'hubCameraFirstPictureAfterStartMs',
          ].map((s) => [s, medianStep(s)]),
        ),
        samples,
        measuredIn: 'headless Chromium (requestVideoFrameCallback)',
      },
      hub720p30: { idleRssMiB: idle.rssMiB, ...streaming, bitrateKbps: 2000 },
      note: 'loopback; hub = hearth-agent process and its ffmpeg (libx264 ultrafast, zerolatency); CPU in % of one core',
    };
  } catch (error) {
    console.error(
      agent?.output
        .filter((l) => /video|viewer|camera|signal/.test(l))
        .slice(-30)
        .join('\n'),
    );
    if (agent?.process.pid) console.error(`hub processes: ${commands(tree(agent.process.pid)).join('\n  ')}`);
    throw error;
  } finally {
    await browser.close();
    await agent?.stop();
    await cloud.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
