import type { IceServer, VideoRefusal, VideoSignalUp } from '@hearth/shared';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { VideoFeed } from './video-feed.js';
import { ViewerPeer } from './viewer-peer.js';

export interface VideoPublisherDeps {
  /** The camera; null when this hub has none configured. */
  feed: VideoFeed | null;
  clock: Clock;
  log: Logger;
  /** Most viewers at once (the home's uplink and the Pi's CPU are the limit). */
  maxViewers: number;
  silenceMs: number;
  firstFrameTimeoutMs: number;
  /** Signaling out, towards the viewer of `sessionId`. */
  send: (sessionId: string, signal: VideoSignalUp) => void;
  /** Ask the robot to say who is watching; optional (no robot, or not yet built). */
  announce?: (text: string) => void | Promise<void>;
  /** Offer only relayed candidates. */
  relayOnly?: boolean;
}

/**
 * A viewer joining shows the camera's last keyframe and what followed at once when that keyframe is
 * this recent (the encoder makes them often in its first second); otherwise it asks for a new one.
 */
const CATCH_UP_MAX_AGE_MS = 400;

/** What the hub knows about one session, for status and the audit. */
export interface SessionSummary {
  sessionId: string;
  state: 'starting' | 'offered' | 'connected';
  candidateType: string | null;
}

interface Session {
  peer: ViewerPeer | null;
  unwatch: (() => Promise<void>) | null;
  cancelExpiry: () => void;
  ended: boolean;
}

/** The session id an outbound message or refusal concerns, and what it says. */
export class VideoSessionError extends Error {
  constructor(
    readonly code: VideoRefusal,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The hub's side of live video: one PeerConnection per viewer, all fed by one camera that runs
 * only while someone watches. The hub makes the offer; the session ends on the viewer's bye, when
 * it goes silent, at its expiry, or when the camera fails.
 */
export class VideoPublisher {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly deps: VideoPublisherDeps) {}

  /** How many viewers hold a place (connecting or connected). */
  get viewers(): number {
    return this.sessions.size;
  }

  /**
   * Opens a session and makes the offer. Refusals (limit, no camera, no picture) are answered to
   * the viewer as `refused` with a sentence for staff; a repeated start for a live session is ignored.
   */
  async open(start: {
    sessionId: string;
    iceServers: IceServer[];
    expiresAt?: string | undefined;
    viewerName?: string | undefined;
  }): Promise<void> {
    const { deps } = this;
    const { sessionId } = start;
    if (this.sessions.has(sessionId)) return;
    if (!deps.feed) return this.refuse(sessionId, 'NO_CAMERA', 'this home has no camera configured');
    if (this.sessions.size >= deps.maxViewers)
      return this.refuse(
        sessionId,
        'VIEWER_LIMIT',
        `${deps.maxViewers} ${deps.maxViewers === 1 ? 'person is' : 'people are'} already watching this home; try again when one of them stops`,
      );
    const session: Session = { peer: null, unwatch: null, cancelExpiry: () => {}, ended: false };
    this.sessions.set(sessionId, session);
    const expiresIn = start.expiresAt ? Date.parse(start.expiresAt) - deps.clock.now() : Number.NaN;
    if (Number.isFinite(expiresIn))
      session.cancelExpiry = deps.clock.setTimeout(
        () => this.end(sessionId, 'the session reached its time limit'),
        Math.max(0, expiresIn),
      );
    const feed = deps.feed;
    let profileLevelId: string;
    try {
      session.unwatch = await feed.watch((picture) => session.peer?.frame(picture));
      profileLevelId = (await feed.profile(deps.firstFrameTimeoutMs)).profileLevelId;
    } catch (error) {
      const message = (error as Error).message;
      await this.drop(sessionId, session);
      return this.refuse(sessionId, 'CAMERA_UNAVAILABLE', message);
    }
    if (session.ended) {
      // Ended (bye, expiry) while the camera was starting: give it back.
      await session.unwatch?.();
      return;
    }
    const peer = new ViewerPeer({
      sessionId,
      iceServers: start.iceServers,
      profileLevelId,
      clock: deps.clock,
      log: deps.log,
      send: (signal) => deps.send(sessionId, signal),
      wantKeyframe: () => feed.requestKeyframe(),
      catchUp: () => feed.catchUp(CATCH_UP_MAX_AGE_MS),
      onClosed: (reason) => void this.end(sessionId, reason),
      silenceMs: deps.silenceMs,
      ...(deps.relayOnly && { relayOnly: true }),
    });
    session.peer = peer;
    peer.start();
    deps.log.info({ sessionId, profileLevelId, viewers: this.sessions.size }, 'video offer made');
    if (deps.announce) {
      const who = start.viewerName ? `${start.viewerName} from your care team` : 'Your care team';
      Promise.resolve(deps.announce(`${who} is looking in through the camera now.`)).catch((error: unknown) =>
        deps.log.warn({ err: String(error) }, 'the robot could not announce the video session'),
      );
    }
  }

  /** The viewer's answer. @throws VideoSessionError for an unknown session or an SDP refused. */
  answer(sessionId: string, sdp: string): void {
    const peer = this.peerOf(sessionId);
    try {
      peer.answer(sdp);
    } catch (error) {
      throw new VideoSessionError('BAD_SIGNAL', `the answer was refused: ${(error as Error).message}`);
    }
  }

  /** One of the viewer's ICE candidates. @throws VideoSessionError as `answer` does. */
  candidate(sessionId: string, candidate: string, mid: string): void {
    const peer = this.peerOf(sessionId);
    try {
      peer.candidate(candidate, mid);
    } catch (error) {
      throw new VideoSessionError('BAD_SIGNAL', `the candidate was refused: ${(error as Error).message}`);
    }
  }

  /** Ends a session (bye, expiry, silence); tells the viewer `ended` and frees the camera if it was the last. */
  async end(sessionId: string, reason: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (!session || session.ended) return;
    const seconds = session.peer?.connectedSeconds() ?? 0;
    await this.drop(sessionId, session);
    this.deps.log.info({ sessionId, reason, seconds }, 'video session ended');
    this.deps.send(sessionId, { kind: 'ended', reason, seconds: Math.round(seconds * 10) / 10 });
  }

  /** Ends every session (the hub stopping). */
  async stop(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.end(id, 'the hub is stopping')));
  }

  list(): SessionSummary[] {
    return [...this.sessions].map(([sessionId, s]) => ({
      sessionId,
      state: !s.peer ? 'starting' : s.peer.candidateType ? 'connected' : 'offered',
      candidateType: s.peer?.candidateType ?? null,
    }));
  }

  private peerOf(sessionId: string): ViewerPeer {
    const peer = this.sessions.get(sessionId)?.peer;
    if (!peer) throw new VideoSessionError('BAD_SIGNAL', 'no such video session on this hub');
    return peer;
  }

  private async drop(sessionId: string, session: Session): Promise<void> {
    session.ended = true;
    this.sessions.delete(sessionId);
    session.cancelExpiry();
    session.peer?.close('session ended');
    await session.unwatch?.();
  }

  private refuse(sessionId: string, code: VideoRefusal, message: string): void {
    this.deps.log.info({ sessionId, code, reason: message }, 'video session refused');
    this.deps.send(sessionId, { kind: 'refused', code, message });
  }
}
