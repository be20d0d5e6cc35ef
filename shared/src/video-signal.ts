import { z } from 'zod';

/**
 * Live video signaling: the `data` of a `signal` message on topic `video:<sessionId>`, on the staff
 * `/ws` and on the hub's control channel alike. The hub makes the offer; the browser answers.
 */

/** An ICE server as WebRTC takes it; TURN credentials are coturn's time-limited ones. */
export const IceServer = z.object({
  urls: z.array(z.string().max(256)).min(1).max(8),
  username: z.string().max(256).optional(),
  credential: z.string().max(256).optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** How the two ends reached each other (the local candidate of the selected pair, RFC 8445 §5.1.1). */
export const CandidateType = z.enum(['host', 'srflx', 'prflx', 'relay']);
export type CandidateType = z.infer<typeof CandidateType>;

const sdp = z
  .string()
  .min(1)
  .max(16 * 1024);
const Candidate = z.object({
  kind: z.literal('candidate'),
  candidate: z.string().max(1024),
  mid: z.string().max(64),
});
const Bye = z.object({ kind: z.literal('bye'), reason: z.string().max(200).optional() });

/** Why a hub refused or ended a session, for the player to put in words. */
export const VideoRefusal = z.enum(['VIEWER_LIMIT', 'NO_CAMERA', 'CAMERA_UNAVAILABLE', 'BAD_SIGNAL']);
export type VideoRefusal = z.infer<typeof VideoRefusal>;

/** Cloud → hub. */
export const VideoSignalDown = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('start'),
    sessionId: z.uuid(),
    iceServers: z.array(IceServer).max(8),
    /** The session ends here whatever happens (ISO time). */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    /** Who is watching, for the robot to say so in the home. */
    viewerName: z.string().max(200).optional(),
  }),
  z.object({ kind: z.literal('answer'), sdp }),
  Candidate,
  Bye,
]);
export type VideoSignalDown = z.infer<typeof VideoSignalDown>;

/** Hub → cloud → viewer. */
export const VideoSignalUp = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offer'), sdp }),
  Candidate,
  /** Media flows; how the peers reached each other. */
  z.object({ kind: z.literal('connected'), candidateType: CandidateType }),
  z.object({ kind: z.literal('refused'), code: VideoRefusal, message: z.string().max(500) }),
  /** The hub closed the session (viewer left, went silent, expiry, camera lost). */
  z.object({ kind: z.literal('ended'), reason: z.string().max(200), seconds: z.number().nonnegative() }),
]);
export type VideoSignalUp = z.infer<typeof VideoSignalUp>;

/** Viewer → cloud → hub (the cloud adds nothing but routing). */
export const VideoSignalFromViewer = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('answer'), sdp }),
  Candidate,
  Bye,
]);
export type VideoSignalFromViewer = z.infer<typeof VideoSignalFromViewer>;
