import type { Frame } from '../src/frame.js';

/** One frame of every type, with edge values (max seq, max uptime, negative readings). */
export const sampleFrames: Frame[] = [
  {
    seq: 0,
    message: {
      type: 'hello',
      nodeId: 'bedroom-node',
      firmwareVersion: '1.2.0',
      bootId: 0xdeadbeef,
      uptimeMs: 1234,
      heartbeatIntervalMs: 5000,
      sensors: [
        { name: 'temp', kind: 'temperature' },
        { name: 'pir', kind: 'motion' },
        { name: 'mat', kind: 'pressure' },
      ],
    },
  },
  { seq: 1, message: { type: 'reading', sensor: 0, uptimeMs: 2000, value: 21.5 } },
  { seq: 2, message: { type: 'reading', sensor: 0, uptimeMs: 0xffffffff, value: -12.25 } },
  { seq: 65535, message: { type: 'event', sensor: 1, uptimeMs: 3000, active: true } },
  { seq: 3, message: { type: 'heartbeat', uptimeMs: 5000, pending: 2, dropped: 0 } },
  { seq: 7, message: { type: 'ack', ackSeq: 65535 } },
  { seq: 8, message: { type: 'sync' } },
];
