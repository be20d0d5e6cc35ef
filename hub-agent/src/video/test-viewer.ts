import type { IceServer } from '@hearth/shared';
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import { NalType } from './h264.js';
import { toLibdatachannel } from './ice-servers.js';
import { isRtcp } from './rtcp.js';

/** H.264 NAL types inside one RTP payload (RFC 6184 §5.6-5.8: single NAL, STAP-A, FU-A start). */
function nalTypesOf(payload: Buffer): number[] {
  const type = (payload[0] ?? 0) & 0x1f;
  if (type === 24) {
    const types: number[] = [];
    for (let i = 1; i + 2 < payload.length; ) {
      const size = payload.readUInt16BE(i);
      types.push((payload[i + 2] ?? 0) & 0x1f);
      i += 2 + size;
    }
    return types;
  }
  if (type === 28) return (payload[1] ?? 0) & 0x80 ? [(payload[1] ?? 0) & 0x1f] : [];
  return [type];
}

/**
 * A viewer without a browser, for tests and the benchmark: answers the hub's offer with
 * node-datachannel, counts the RTP packets and notes when each IDR begins.
 */
export class TestViewer {
  readonly pc: PeerConnection;
  private track: Track | null = null;
  rtpPackets = 0;
  readonly idrAt: number[] = [];
  /** The RTP timestamp of each picture, in the order they came. */
  readonly pictureTimestamps: number[] = [];
  private firstIdr: Promise<number>;
  private resolveIdr: (at: number) => void = () => {};
  private readonly nextIdrWaiters = new Set<(at: number) => void>();

  constructor(
    iceServers: IceServer[],
    send: (
      signal: { kind: 'answer'; sdp: string } | { kind: 'candidate'; candidate: string; mid: string },
    ) => void,
    options: { relayOnly?: boolean } = {},
  ) {
    this.firstIdr = new Promise((resolve) => {
      this.resolveIdr = resolve;
    });
    this.pc = new nodeDataChannel.PeerConnection('test-viewer', {
      iceServers: toLibdatachannel(iceServers).servers,
      ...(options.relayOnly && { iceTransportPolicy: 'relay' as const }),
    });
    this.pc.onLocalDescription((sdp, type) => {
      if (type === 'answer') send({ kind: 'answer', sdp });
    });
    this.pc.onLocalCandidate((candidate, mid) => {
      // As a browser with iceTransportPolicy 'relay' does: tell the other side only the relay's address.
      if (!options.relayOnly || / typ relay/.test(candidate)) send({ kind: 'candidate', candidate, mid });
    });
    this.pc.onTrack((track) => {
      this.track = track;
      track.setMediaHandler(new nodeDataChannel.RtcpReceivingSession());
      track.onMessage((packet) => {
        if (packet.length < 12 || isRtcp(packet)) return;
        this.rtpPackets++;
        const timestamp = packet.readUInt32BE(4);
        if (this.pictureTimestamps.at(-1) !== timestamp) this.pictureTimestamps.push(timestamp);
        const csrcs = packet[0]! & 0x0f;
        const hasExtension = (packet[0]! & 0x10) !== 0;
        let offset = 12 + 4 * csrcs;
        if (hasExtension) offset += 4 + 4 * packet.readUInt16BE(offset + 2);
        if (nalTypesOf(packet.subarray(offset)).includes(NalType.idr)) {
          const at = performance.now();
          this.idrAt.push(at);
          this.resolveIdr(at);
          for (const waiter of this.nextIdrWaiters) waiter(at);
          this.nextIdrWaiters.clear();
        }
      });
    });
  }

  /** The hub's offer. */
  offer(sdp: string): void {
    // The hub repeats its offer until it hears an answer; the first one counts.
    if (this.pc.remoteDescription()) return;
    this.pc.setRemoteDescription(sdp, 'offer');
  }

  candidate(candidate: string, mid: string): void {
    this.pc.addRemoteCandidate(candidate, mid);
  }

  /** When the first IDR arrived (performance.now()). */
  firstKeyframe(): Promise<number> {
    return this.firstIdr;
  }

  /** Sends a PLI; resolves when the next IDR begins to arrive. */
  requestKeyframe(): Promise<number> {
    const next = new Promise<number>((resolve) => this.nextIdrWaiters.add(resolve));
    if (!this.track?.requestKeyframe()) throw new Error('the viewer has no open track to send a PLI on');
    return next;
  }

  selectedCandidateType(): string | null {
    return this.pc.getSelectedCandidatePair()?.local.type ?? null;
  }

  close(): void {
    this.pc.close();
  }
}
