import { describe, expect, it } from 'vitest';
import { SensorEvent } from './events.js';
import {
  parseRobotTopic,
  RobotAck,
  RobotCommand,
  RobotEvent,
  RobotId,
  RobotProgress,
  RobotResult,
  RobotStatus,
  robotTopic,
} from './robot.js';

const command = {
  id: 'c-1',
  type: 'safety_check',
  room: 'bathroom',
  issuedAt: '2026-11-30T08:00:00.000Z',
  deadline: '2026-11-30T08:05:00.000Z',
};

describe('robot protocol', () => {
  it('accepts every documented message', () => {
    expect(RobotCommand.parse(command).room).toBe('bathroom');
    expect(RobotAck.parse({ id: 'c-1', accepted: false, reason: 'battery low' }).accepted).toBe(false);
    expect(RobotProgress.parse({ id: 'c-1', state: 'arrived', room: 'bathroom' }).state).toBe('arrived');
    expect(RobotResult.parse({ id: 'c-1', outcome: 'needs_help', at: command.issuedAt }).outcome).toBe(
      'needs_help',
    );
    expect(
      RobotStatus.parse({ state: 'offline', battery: 40, room: null, at: command.issuedAt }).room,
    ).toBeNull();
  });

  it('refuses a command that cannot be carried out, naming the field', () => {
    const speak = RobotCommand.safeParse({ ...command, type: 'speak', room: undefined });
    expect(speak.success).toBe(false);
    expect(speak.error!.issues[0]!.path).toEqual(['text']);
    expect(RobotCommand.safeParse({ ...command, type: 'go_to', room: undefined }).success).toBe(false);
    expect(RobotCommand.safeParse({ ...command, type: 'dance' }).success).toBe(false);
    expect(RobotCommand.safeParse({ ...command, deadline: 'tomorrow' }).success).toBe(false);
  });

  it('refuses out-of-range status and unknown outcomes', () => {
    expect(
      RobotStatus.safeParse({ state: 'online', battery: 101, room: 'hall', at: command.issuedAt }).success,
    ).toBe(false);
    expect(RobotResult.safeParse({ id: 'c', outcome: 'fine', at: command.issuedAt }).success).toBe(false);
  });

  it('keeps robot ids usable as one topic level and client id', () => {
    for (const bad of ['', 'a/b', 'a+', '#', 'a\u0000b', 'a b', 'x'.repeat(49), '-lead']) {
      expect(RobotId.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(RobotId.parse('robot-1_a')).toBe('robot-1_a');
  });

  it('builds and splits topics, refusing anything else', () => {
    expect(robotTopic('r1', 'cmd')).toBe('hearth/robot/r1/cmd');
    expect(parseRobotTopic('hearth/robot/r1/result')).toEqual({ robotId: 'r1', channel: 'result' });
    for (const other of [
      'hearth/robot/r1',
      'hearth/robot/r1/result/x',
      'hearth/robot/+/ack',
      'x/robot/r1/ack',
    ]) {
      expect(parseRobotTopic(other), other).toBeNull();
    }
  });

  it('carries a robot hop in the event stream', () => {
    const robot = {
      type: 'result',
      robotId: 'r1',
      commandId: 'c-1',
      requestedBy: { by: 'hub', alertId: '6f1c2d1e-8a3b-4c5d-9e0f-112233445566' },
      result: { id: 'c-1', outcome: 'ok', at: command.issuedAt },
    };
    expect(RobotEvent.parse(robot).type).toBe('result');
    const event = SensorEvent.parse({
      hubId: '6f1c2d1e-8a3b-4c5d-9e0f-112233445566',
      seq: 3,
      ts: command.issuedAt,
      sensorId: 'robot:r1',
      kind: 'robot',
      value: 'ok',
      robot,
    });
    expect(event.robot?.type).toBe('result');
    expect(RobotEvent.safeParse({ ...robot, requestedBy: { by: 'staff' } }).success).toBe(false);
  });
});
