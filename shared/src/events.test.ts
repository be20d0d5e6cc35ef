import { describe, expect, it } from 'vitest';
import { summariseIssues } from './errors.js';
import { SensorEvent, UploadBatch } from './events.js';

const hubId = '6f1c2d1e-8a3b-4c5d-9e0f-112233445566';
const reading = {
  hubId,
  seq: 1,
  ts: '2026-11-22T03:00:00.000Z',
  sensorId: 'pir-hall',
  kind: 'motion',
  value: true,
};

describe('SensorEvent', () => {
  it('accepts a motion reading and keeps its room', () => {
    const parsed = SensorEvent.parse({ ...reading, room: 'hall' });
    expect(parsed.room).toBe('hall');
  });

  it('names the field and the problem when a reading is wrong', () => {
    const result = UploadBatch.safeParse({ events: [reading, { ...reading, seq: -4, kind: 'smell' }] });
    expect(result.success).toBe(false);
    const summary = summariseIssues(result.error!);
    expect(summary).toContain('events.1.seq');
    expect(summary).toContain('events.1.kind');
  });

  it('refuses an empty batch and one over the limit', () => {
    expect(UploadBatch.safeParse({ events: [] }).success).toBe(false);
    const many = Array.from({ length: 1001 }, (_, i) => ({ ...reading, seq: i + 1 }));
    expect(UploadBatch.safeParse({ events: many }).success).toBe(false);
  });
});
