/** What a viewer's RTCP asks of the sender. */
export interface RtcpFeedback {
  /** Picture Loss Indication (RFC 4585 §6.3.1) or Full Intra Request (RFC 5104 §4.3.1). */
  keyframe: boolean;
}

/** RTCP payload-specific feedback (RFC 4585 §6.1): PT 206, FMT 1 = PLI, FMT 4 = FIR. */
const PSFB = 206;
const FMT_PLI = 1;
const FMT_FIR = 4;

/**
 * Walks a compound RTCP packet (RFC 3550 §6.1) and reports whether it asks for a keyframe.
 * Anything that is not RTCP version 2, or a length that overruns the packet, ends the walk.
 */
export function readRtcpFeedback(packet: Uint8Array): RtcpFeedback {
  let keyframe = false;
  let offset = 0;
  while (offset + 4 <= packet.length) {
    const first = packet[offset]!;
    if (first >> 6 !== 2) break;
    const type = packet[offset + 1]!;
    const fmt = first & 0x1f;
    const words = (packet[offset + 2]! << 8) | packet[offset + 3]!;
    const next = offset + 4 * (words + 1);
    if (next > packet.length) break;
    if (type === PSFB && (fmt === FMT_PLI || fmt === FMT_FIR)) keyframe = true;
    offset = next;
  }
  return { keyframe };
}

/** True when the packet is RTCP rather than RTP (RFC 5761 §4: payload types 192-223). */
export function isRtcp(packet: Uint8Array): boolean {
  const type = packet[1] ?? 0;
  return packet.length >= 4 && type >= 192 && type <= 223;
}
