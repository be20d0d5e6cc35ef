import { randomInt } from 'node:crypto';
import type { CandidateType, IceServer, VideoSignalUp } from '@hearth/shared';
import type { PeerConnection, RtpPacketizationConfig, Track } from 'node-datachannel';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { toLibdatachannel } from './ice-servers.js';
import { isRtcp, readRtcpFeedback } from './rtcp.js';
import type { Picture } from './video-feed.js';

/** libdatachannel's bindings, as `loadLibdatachannel` resolves them. */
export type Libdatachannel = typeof import('node-datachannel').default;

let library: Promise<Libdatachannel> | null = null;

/**
 * Loads libdatachannel with the first viewer, not at start: its native library (and what it
 * sets up when loaded) costs the hub several MB of memory that a home nobody watches never needs.
 * @throws when the native module cannot be loaded (the viewer is then refused).
 */
export function loadLibdatachannel(): Promise<Libdatachannel> {
  library ??= import('node-datachannel').then((m) => m.default);
  library.catch(() => {
    library = null; // a later viewer tries again
  });
  return library;
}

/** Dynamic RTP payload type of the H.264 format in our offer. */
const H264_PAYLOAD_TYPE = 96;
const CLOCK_RATE = 90_000;

export interface ViewerPeerDeps {
  /** The loaded bindings (`loadLibdatachannel`). */
  rtc: Libdatachannel;
  sessionId: string;
  iceServers: IceServer[];
  /** From the SPS the encoder writes (`parseSps`), never assumed. */
  profileLevelId: string;
  clock: Clock;
  log: Logger;
  /** Signaling towards this viewer. */
  send: (signal: VideoSignalUp) => void;
  /** A viewer asked for a keyframe (joined, PLI, FIR). */
  wantKeyframe: () => void;
  /**
   * The recent keyframe and the pictures since, sent at once to a viewer that just connected so it
   * need not wait for a new keyframe; empty when there is none recent enough (then it asks for one).
   */
  catchUp?: () => Picture[];
  /** The peer closed itself; called once, with the reason. */
  onClosed: (reason: string) => void;
  /** Silence from a connected viewer (no RTCP) after which it has gone (ms). */
  silenceMs: number;
  /** A viewer that never connects is given up after this long (ms, default 30 s). */
  connectTimeoutMs?: number;
  /** Offer only relayed candidates (tests, or a network that demands it). */
  relayOnly?: boolean;
}

/** The farther of the two ends: a pair through TURN is relay whichever side allocated it. */
const RANK: Record<CandidateType, number> = { host: 0, prflx: 1, srflx: 2, relay: 3 };

/**
 * One staff member's view: a PeerConnection with one sendonly H.264 track. Pictures go out whole
 * (the packetizer splits them on start codes), starting at an IDR, each with its RTP timestamp.
 */
export class ViewerPeer {
  private pc: PeerConnection | null = null;
  private track: Track | null = null;
  private rtpConfig: RtpPacketizationConfig | null = null;
  private synced = false;
  /** RFC 3550 §5.1: the first timestamp is random. */
  private readonly timestampBase = randomInt(0, 2 ** 31);
  private closed = false;
  private lastHeardAt = 0;
  private connectedAt: number | null = null;
  private readonly openedAt: number;
  private cancelWatchdog: () => void = () => {};
  private answered = false;
  private readonly early: [candidate: string, mid: string][] = [];
  /** Candidate type of the selected pair, once connected. */
  candidateType: CandidateType | null = null;
  /** The viewer's candidates by `address:port`, to name a pair whose check beat its candidate here. */
  private readonly remoteTypes = new Map<string, string>();

  constructor(private readonly deps: ViewerPeerDeps) {
    this.openedAt = deps.clock.now();
  }

  /** Creates the connection and makes the offer (sent through `send` with the candidates). */
  start(): void {
    const { deps } = this;
    const { PeerConnection: Peer, Video, RtpPacketizationConfig: RtpConfig } = deps.rtc;
    const { H264RtpPacketizer, RtcpSrReporter, RtcpNackResponder } = deps.rtc;
    const { servers, skipped } = toLibdatachannel(deps.iceServers);
    if (skipped.length > 0) deps.log.warn({ skipped }, 'ICE servers left out: not usable here');
    const pc = new Peer(`viewer-${deps.sessionId}`, {
      iceServers: servers,
      ...(deps.relayOnly && { iceTransportPolicy: 'relay' as const }),
    });
    this.pc = pc;
    const ssrc = randomInt(1, 2 ** 31);
    const video = new Video('video', 'SendOnly');
    video.addH264Codec(
      H264_PAYLOAD_TYPE,
      `profile-level-id=${deps.profileLevelId};packetization-mode=1;level-asymmetry-allowed=1`,
    );
    // msid lets the browser put the track in a MediaStream (RTCTrackEvent.streams[0]).
    video.addSSRC(ssrc, 'hearth', 'hearth', 'camera');
    const track = pc.addTrack(video);
    this.track = track;
    const rtpConfig = new RtpConfig(ssrc, 'hearth', H264_PAYLOAD_TYPE, CLOCK_RATE);
    this.rtpConfig = rtpConfig;
    const packetizer = new H264RtpPacketizer('StartSequence', rtpConfig);
    packetizer.addToChain(new RtcpSrReporter(rtpConfig));
    packetizer.addToChain(new RtcpNackResponder());
    track.setMediaHandler(packetizer);

    track.onOpen(() => {
      if (this.closed) return;
      this.connectedAt = deps.clock.now();
      this.lastHeardAt = this.connectedAt;
      this.candidateType = this.selectedCandidateType();
      if (this.candidateType) deps.send({ kind: 'connected', candidateType: this.candidateType });
      // A picture at once: the recent keyframe and what followed it (already in step if a live
      // keyframe beat this callback), or else a new keyframe.
      const recent = this.synced ? [] : (deps.catchUp?.() ?? []);
      for (const picture of recent) this.frame(picture);
      if (!this.synced) deps.wantKeyframe();
      deps.log.info(
        { sessionId: deps.sessionId, candidateType: this.candidateType, caughtUp: recent.length },
        'viewer connected',
      );
    });
    track.onMessage((message) => {
      this.lastHeardAt = deps.clock.now();
      if (isRtcp(message) && readRtcpFeedback(message).keyframe) deps.wantKeyframe();
    });
    // libdatachannel closes the track with the connection, also when the connection fails before
    // it ever opened (now and then just after ICE completes, on a loaded hub): say which it was.
    track.onClosed(() =>
      this.close(
        this.connectedAt === null
          ? 'the connection failed before it opened'
          : 'the viewer closed the connection',
      ),
    );
    pc.onLocalDescription((sdp, type) => {
      if (type === 'offer' && !this.closed) deps.send({ kind: 'offer', sdp });
    });
    pc.onLocalCandidate((candidate, mid) => {
      // libjuice's relay policy still gathers the server-reflexive address TURN reports; relay-only
      // means no one learns any address of ours but the relay's.
      if (deps.relayOnly && !/ typ relay/.test(candidate)) return;
      if (!this.closed) deps.send({ kind: 'candidate', candidate, mid });
    });
    pc.onStateChange((state) => {
      if (state === 'failed' || state === 'closed' || state === 'disconnected')
        this.close(`the connection is ${state}`);
    });
    pc.setLocalDescription();
    this.watch();
  }

  /** The viewer's answer. @throws for an SDP libdatachannel refuses. */
  answer(sdp: string): void {
    if (this.answered) return;
    this.pc?.setRemoteDescription(sdp, 'answer');
    this.answered = true;
    for (const [candidate, mid] of this.early.splice(0)) this.candidate(candidate, mid);
  }

  /** One of the viewer's ICE candidates; an empty one (end of candidates) is nothing to add. */
  candidate(candidate: string, mid: string): void {
    if (candidate.trim() === '') return;
    // Relayed messages may overtake one another (each is checked on its own on the way): a
    // candidate ahead of the answer waits for it.
    if (!this.answered) {
      if (this.early.length < 64) this.early.push([candidate, mid]);
      return;
    }
    this.pc?.addRemoteCandidate(candidate, mid);
    // RFC 8839 §5.1: candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
    const m = /candidate:\S+ \d+ \S+ \d+ (\S+) (\d+) typ (\S+)/.exec(candidate);
    if (m) this.remoteTypes.set(`${m[1]}:${m[2]}`, m[3]!);
    if (this.candidateType) {
      const now = this.selectedCandidateType();
      if (now && now !== this.candidateType) {
        this.candidateType = now;
        this.deps.send({ kind: 'connected', candidateType: now });
      }
    }
  }

  /** One picture from the camera: sent once the viewer is connected, from an IDR on. */
  frame({ unit, capturedAt }: Picture): void {
    const track = this.track;
    if (this.closed || !track || !this.rtpConfig || !track.isOpen()) return;
    if (!this.synced) {
      if (!unit.keyframe) return;
      this.synced = true;
    }
    // RTP timestamps run at 90 kHz from the moment the camera made the picture (RFC 6184 §5.1), so
    // pictures sent together to catch up keep their spacing; they may predate this connection.
    this.rtpConfig.timestamp = (this.timestampBase + Math.round((capturedAt - this.openedAt) * 90)) >>> 0;
    try {
      track.sendMessageBinary(unit.data);
    } catch (error) {
      this.close(`sending failed: ${(error as Error).message}`);
    }
  }

  /** How long the viewer has been connected, in seconds (0 before). */
  connectedSeconds(): number {
    return this.connectedAt === null ? 0 : (this.deps.clock.now() - this.connectedAt) / 1000;
  }

  /** Closes the connection; `onClosed` hears the reason once. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelWatchdog();
    const pc = this.pc;
    this.pc = null;
    this.track = null;
    // Closing from inside one of the connection's own callbacks is left to the next turn.
    setImmediate(() => {
      try {
        pc?.close();
      } catch {
        // Already closed by the other end.
      }
    });
    this.deps.onClosed(reason);
  }

  /** A viewer that never connects, or stops sending RTCP (a closed laptop), is let go. */
  private watch(): void {
    const { deps } = this;
    const every = Math.min(1500, Math.max(500, Math.floor(deps.silenceMs / 2)));
    const check = () => {
      const now = deps.clock.now();
      if (this.connectedAt === null && now - this.openedAt >= (deps.connectTimeoutMs ?? 30_000))
        return this.close('the viewer never connected');
      // Signaling is a doorbell, not a queue: a viewer that subscribed a moment after the offer
      // left never saw it. Until an answer comes, the offer goes again, with the candidates so far.
      const offer = this.pc?.localDescription();
      if (!this.answered && offer?.type === 'offer') deps.send({ kind: 'offer', sdp: offer.sdp });
      if (this.connectedAt !== null && now - this.lastHeardAt >= deps.silenceMs)
        return this.close(`nothing heard from the viewer for ${Math.round(deps.silenceMs / 1000)} s`);
      this.cancelWatchdog = deps.clock.setTimeout(check, every);
    };
    this.cancelWatchdog = deps.clock.setTimeout(check, every);
  }

  private selectedCandidateType(): CandidateType | null {
    const pair = this.pc?.getSelectedCandidatePair();
    if (!pair) return null;
    // A remote peer-reflexive candidate often only means its check arrived before its candidate did
    // (trickle): the candidate, once here, says what it really is.
    const remote =
      pair.remote.type === 'prflx'
        ? (this.remoteTypes.get(`${pair.remote.address}:${pair.remote.port}`) ?? 'host')
        : pair.remote.type;
    const types = [pair.local.type, remote].filter((t): t is CandidateType => t in RANK);
    return types.sort((a, b) => RANK[b] - RANK[a])[0] ?? null;
  }
}
