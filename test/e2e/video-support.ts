// coturn on loopback for the live-video tests: free ports, `use-auth-secret`, killed at the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';
export const haveCoturn = existsSync(TURNSERVER);

/** A TCP port nobody holds right now (coturn listens on it for both UDP and TCP). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function until<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface Coturn {
  /** `turn:127.0.0.1:<port>?transport=udp` */
  url: string;
  secret: string;
  /** Everything coturn logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts Debian's coturn on loopback with time-limited credentials signed by `secret`. */
export async function startCoturn(workDir: string, secret: string): Promise<Coturn> {
  const port = await freePort();
  // Relay ports: a random stretch high up, unlikely to meet another test's.
  const minPort = 40_000 + Math.floor(Math.random() * 200) * 100;
  const child: ChildProcess = spawn(
    TURNSERVER,
    [
      ...['-n', '--listening-ip', '127.0.0.1', '--relay-ip', '127.0.0.1', '-p', String(port)],
      ...['--min-port', String(minPort), '--max-port', String(minPort + 99)],
      ...['--use-auth-secret', '--static-auth-secret', secret, '--realm', 'hearth.test'],
      ...['--no-tls', '--no-dtls', '--no-cli', '--allow-loopback-peers', '--fingerprint'],
      ...['--userdb', join(workDir, 'turndb'), '--pidfile', join(workDir, 'turn.pid')],
      ...['--log-file', 'stdout', '--simple-log', '--verbose'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (c: Buffer) => {
    output = (output + c.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await until('coturn to listen', () => output.includes('Total General servers'), 10_000);
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    log: () => output,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** Whether `existsSync` finds coturn; loud when it does not. */
export function requireCoturn(): boolean {
  if (!haveCoturn && process.env.CI === 'true')
    throw new Error(`CI=true but coturn is missing at ${TURNSERVER}`);
  if (!haveCoturn)
    console.warn(
      `\n*** coturn not found at ${TURNSERVER} (apt-get install coturn): the TURN tests are skipped. ***\n`,
    );
  return haveCoturn;
}

/** Chromium as the brief runs it; mDNS host names off so the hub (libjuice) can reach its host candidates. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

/** What the page reports about the player: its state, the path, and decoded frames. */
export interface Seen {
  state: string;
  words: string;
  path: string | null;
  frames: number;
  /** From the session request (the player starting) to the first decoded frame. */
  firstFrameMs: number | null;
  currentTime: number;
  /**
   * Milliseconds from the request to each step of the chain, as the page saw it: `answered` (the
   * POST came back), `subscribed`, `offer`, `connected` (ICE and DTLS done), `firstFrame`.
   */
  steps: Record<string, number>;
}

/** The viewer's inbound video as WebRTC counts it (`getStats`), whether or not the page paints. */
export interface Inbound {
  packetsReceived: number;
  packetsLost: number;
  framesReceived: number;
  framesDecoded: number;
  keyFramesDecoded: number;
  pliCount: number;
  freezeCount: number;
}

/**
 * The page side, run in the browser: loads the player as the dashboard would (an ES module from the
 * cloud's origin), starts it on a fresh <video>, and counts decoded frames with
 * requestVideoFrameCallback. Kept as text: the test compiles without the DOM's types.
 */
const HARNESS = `
import { startVideo } from '/video-player.js';
// Each step of the chain, timed where the page sees it: the player's own fetch, socket and
// PeerConnection, observed from outside so the player carries no test code.
let asked = 0;
const steps = {};
const mark = (step) => { steps[step] ??= Math.round(performance.now() - asked); };
const peers = [];
const NativePeer = window.RTCPeerConnection;
window.RTCPeerConnection = class extends NativePeer {
  constructor(...args) {
    super(...args);
    peers.push(this);
    this.addEventListener('connectionstatechange', () => this.connectionState === 'connected' && mark('connected'));
  }
  setRemoteDescription(description) {
    if (description?.type === 'offer') mark('offer');
    return super.setRemoteDescription(description);
  }
};
const NativeSocket = window.WebSocket;
window.WebSocket = class extends NativeSocket {
  send(text) {
    if (String(text).includes('"type":"subscribe"')) mark('subscribed');
    return super.send(text);
  }
};
const nativeFetch = window.fetch.bind(window);
window.fetch = (...args) => nativeFetch(...args).finally(() => mark('answered'));
window.inboundVideo = async () => {
  const pc = peers.at(-1);
  if (!pc) return null;
  for (const s of (await pc.getStats()).values())
    if (s.type === 'inbound-rtp' && s.kind === 'video')
      return {
        packetsReceived: s.packetsReceived ?? 0,
        packetsLost: s.packetsLost ?? 0,
        framesReceived: s.framesReceived ?? 0,
        framesDecoded: s.framesDecoded ?? 0,
        keyFramesDecoded: s.keyFramesDecoded ?? 0,
        pliCount: s.pliCount ?? 0,
        freezeCount: s.freezeCount ?? 0,
      };
  return null;
};
window.hearthWatch = ({ seniorId, token, relay }) => {
  const video = document.createElement('video');
  const status = document.createElement('p');
  document.body.append(video, status);
  let frames = 0;
  asked = performance.now();
  let firstFrameMs = null;
  const count = () => {
    if (frames === 0) {
      firstFrameMs = performance.now() - asked;
      mark('firstFrame');
    }
    frames++;
    video.requestVideoFrameCallback(count);
  };
  video.requestVideoFrameCallback(count);
  window.player = startVideo({
    seniorId,
    token,
    videoEl: video,
    socket: () => new WebSocket('ws://' + location.host + '/ws?token=' + encodeURIComponent(token)),
    statusEl: status,
    iceTransportPolicy: relay ? 'relay' : 'all',
  });
  window.seen = () => ({
    state: status.dataset.state,
    words: status.textContent,
    path: status.dataset.path ?? null,
    frames,
    firstFrameMs,
    currentTime: video.currentTime,
    steps: { ...steps },
  });
};
`;

/** Opens the player in the page for `seniorId` and keeps counting decoded frames. */
export async function watch(page: Page, seniorId: string, token: string, relay: boolean): Promise<void> {
  await page.addScriptTag({ type: 'module', content: HARNESS });
  await page.waitForFunction('typeof window.hearthWatch === "function"');
  await page.evaluate(`window.hearthWatch(${JSON.stringify({ seniorId, token, relay })})`);
}

export const seen = (page: Page) => page.evaluate('window.seen()') as Promise<Seen>;

/**
 * What WebRTC itself counts for the page's viewer: frames decoded go on even in a page Chromium does
 * not paint (a tab behind another), where requestVideoFrameCallback stops. Null before the player
 * made its connection.
 */
export const inbound = (page: Page) => page.evaluate('window.inboundVideo()') as Promise<Inbound | null>;
